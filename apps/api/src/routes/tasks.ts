import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  builtInTaskCatalog,
  cancelTask,
  InvalidCursorError,
  listTasks,
  taskCosts,
} from '@aiq/tasks';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import { validationHook } from '../validation-hook.js';
import {
  CancelResponse,
  commonErrors,
  RetryResponse,
  EventsQuery,
  StreamToken,
  TaskCatalogResponse,
  TaskIdParams,
  TaskList,
  TaskListQuery,
  TaskResponse,
} from '../schemas/task-schemas.js';
import { lastEventIdOf, streamTaskEvents } from '../sse/task-event-stream.js';
import { findTaskFor } from '../tasks/find-task.js';
import { retryFor } from '../tasks/retry-for.js';
import { createStreamToken } from '../tasks/stream-tokens.js';
import { toTaskResponse } from '../tasks/to-task-response.js';
import { taskEventsUrl } from '../tasks/task-urls.js';

const security = [{ bearerAuth: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const list = createRoute({
  method: 'get',
  path: '/',
  summary: "The caller's tasks (an operator's: everyone's, or `user`'s), newest first, paginated",
  security,
  request: { query: TaskListQuery },
  responses: { 200: json(TaskList, 'A page of tasks'), ...commonErrors },
});

const catalog = createRoute({
  method: 'get',
  path: '/catalog',
  summary:
    'The background task types `POST /api/ai/background-task` takes, each input as JSON Schema',
  description:
    'One entry per type: `type` and `inputSchema`, the JSON Schema (draft 2020-12) of its `input` as a submission may write it (fields with defaults are optional). A client builds a form from it.',
  security,
  responses: { 200: json(TaskCatalogResponse, 'The background task types'), ...commonErrors },
});

/** The catalog's background types with their inputs as JSON Schema, built once. */
const catalogTypes = Object.values(builtInTaskCatalog)
  .filter((definition) => definition.jobKind === 'background')
  .map((definition) => ({
    type: definition.type,
    inputSchema: z.toJSONSchema(definition.input, { io: 'input', unrepresentable: 'any' }),
  }));

const get = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One task: status, result, error, attempts, model, timestamps',
  security,
  request: { params: TaskIdParams },
  responses: { 200: json(TaskResponse, 'The task'), ...commonErrors },
});

const events = createRoute({
  method: 'get',
  path: '/{id}/events',
  summary: "The task's events as SSE: replay after Last-Event-ID, then live, until the end",
  description:
    'Each event has `event` = its type (queued, started, token, progress, retrying, reset, fallback, done, error, cancelled, retried), `id` = its sequence number and `data` = the event as JSON. An ensemble’s candidates tag their `token`, `retrying` and `reset` events with `model` and end with a `progress` event of step `candidate` (field `candidate`: model, status, usage, latencyMs, error). The stream ends at a terminal event (done, error, cancelled); a retry of the task appends `retried` and a new run to the same stream, which a resume or `?follow=retries` receives. A resume after the last terminal event answers 204 (EventSource stops reconnecting). Authenticate with the API key, or with `?token=` from `POST /api/tasks/{id}/stream-token` (EventSource).',
  security,
  request: { params: TaskIdParams, query: EventsQuery },
  responses: {
    200: {
      description: 'An event stream',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    204: { description: 'The client already has the terminal event and nothing followed it' },
    ...commonErrors,
  },
});

const streamToken = createRoute({
  method: 'post',
  path: '/{id}/stream-token',
  summary: 'A short-lived token that opens this task’s event stream (EventSource)',
  description:
    'Open `eventsUrl` within `expiresAt`. EventSource’s own reconnects (same URL, `Last-Event-ID`) reuse the token: it stays valid while a stream opened with it is open and for SSE_STREAM_TOKEN_GRACE_MS after the last one closes. It opens no other task’s stream.',
  security,
  request: { params: TaskIdParams },
  responses: { 201: json(StreamToken, 'The token and the URL to open'), ...commonErrors },
});

const cancel = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Cancel a task: removed if waiting, aborted within a second if running',
  security,
  request: { params: TaskIdParams },
  responses: {
    200: json(CancelResponse, 'Cancelled'),
    409: json(commonErrors[400].content['application/json'].schema, 'Already finished'),
    ...commonErrors,
  },
});

const retry = createRoute({
  method: 'post',
  path: '/{id}/retry',
  summary: 'Retry a failed or timed-out task on the same id (owner or operator)',
  description:
    'Sets the task `pending` with `retryCount + 1`, a fresh deadline and a fresh attempt budget. Its event stream gets `retried`, then the new run’s events and a new terminal event: a client polling or following the id sees the result. A second call while the task is open changes nothing (200, `retried: false`).',
  security,
  request: { params: TaskIdParams },
  responses: {
    202: json(RetryResponse, 'Retried: the task is pending again'),
    200: json(RetryResponse, 'Already pending or running: nothing changed'),
    409: json(commonErrors[400].content['application/json'].schema, 'Completed or cancelled'),
    ...commonErrors,
  },
});

/** Whose tasks a listing shows: operators see anyone's, everyone else only their own. */
function listedUser(
  caller: AppEnv['Variables']['user'],
  requested: string | undefined,
): string | undefined {
  if (caller.role === 'operator')
    return requested === undefined || requested === '*' ? undefined : requested;
  if (requested !== undefined && requested !== caller.id) {
    throw new ApiError(403, 'forbidden', "Only operators may list another user's tasks");
  }
  return caller.id;
}

/** `/api/tasks`: poll, list, stream, cancel. Every route answers 404 for another user's task. */
export function taskRoutes(deps: ApiDeps) {
  const prefix = deps.config.redis.prefix;
  // `catalog` goes before `/{id}`, which would refuse it as a task id.
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(catalog, (c) => c.json({ types: catalogTypes }, 200))
    .openapi(list, async (c) => {
      const { user, ...query } = c.req.valid('query');
      const page = await listTasks(deps.database, {
        userId: listedUser(c.var.user, user),
        ...query,
      }).catch((error: unknown) => {
        if (error instanceof InvalidCursorError) {
          throw new ApiError(400, 'invalid_request', error.message);
        }
        throw error;
      });
      const costs = await taskCosts(
        deps.database,
        page.rows.map((row) => row.id),
      );
      return c.json(
        { tasks: page.rows.map((row) => toTaskResponse(row, costs)), nextCursor: page.nextCursor },
        200,
      );
    })
    .openapi(get, async (c) => {
      const task = await findTaskFor(deps.database, c.req.valid('param').id, c.var.user);
      return c.json(toTaskResponse(task, await taskCosts(deps.database, [task.id])), 200);
    })
    .openapi(events, async (c) => {
      const { id } = c.req.valid('param');
      await findTaskFor(deps.database, id, c.var.user);
      // 503 now rather than a stream that never moves.
      await deps.redis.ping();
      await deps.fanOut.ready();
      return streamTaskEvents(c, deps, {
        taskId: id,
        afterSequence: lastEventIdOf(c),
        cancelOnDisconnect: false,
        followRetries: c.req.valid('query').follow === 'retries',
        leased: true,
      });
    })
    .openapi(streamToken, async (c) => {
      const { id } = c.req.valid('param');
      await findTaskFor(deps.database, id, c.var.user);
      const { token, expiresAt } = await createStreamToken(
        deps.redis,
        prefix,
        { taskId: id, userId: c.var.user.id, role: c.var.user.role, keyId: c.var.user.keyId },
        deps.sse.streamTokenTtlSeconds,
      );
      return c.json(
        {
          token,
          expiresAt: expiresAt.toISOString(),
          eventsUrl: `${taskEventsUrl(id)}?token=${token}`,
        },
        201,
      );
    })
    .openapi(cancel, async (c) => {
      const { id } = c.req.valid('param');
      await findTaskFor(deps.database, id, c.var.user);
      const { cancelled } = await cancelTask(
        { ...deps, prefix, events: deps.events },
        id,
        `cancelled by ${c.var.user.role === 'operator' ? 'an operator' : 'the user'}`,
      );
      if (!cancelled) throw new ApiError(409, 'task_finished', `Task ${id} has already finished`);
      return c.json({ taskId: id, status: 'cancelled' as const }, 200);
    })
    .openapi(retry, async (c) => {
      const { status, body } = await retryFor(deps, c.req.valid('param').id, c.var.user);
      return c.json(body, status);
    });
}
