import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { submitTask, type SubmittedTask } from '@aiq/tasks';
import type { Context } from 'hono';
import type { ApiDeps } from '../api-deps.js';
import type { AppEnv } from '../app-env.js';
import {
  BackgroundTaskRequest,
  EnsembleRequest,
  GenerateRequest,
  IdempotencyHeaders,
  RetryRequest,
} from '../schemas/ai-schemas.js';
import { commonErrors, RetryResponse, TaskAccepted } from '../schemas/task-schemas.js';
import { streamTaskEvents } from '../sse/task-event-stream.js';
import { acceptedWork } from '../middleware/rate-limit.js';
import { submitEnsemble } from '../submission/submit-ensemble.js';
import { assertRedisReady, submitGeneration, toMessages } from '../submission/submit-generation.js';
import { retryFor } from '../tasks/retry-for.js';
import { taskEventsUrl, taskStatusUrl } from '../tasks/task-urls.js';
import { validationHook } from '../validation-hook.js';

const security = [{ bearerAuth: [] }];
const accepted = {
  description: 'Accepted: the task is in the ledger and on its queue',
  content: { 'application/json': { schema: TaskAccepted } },
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

const generate = createRoute({
  method: 'post',
  path: '/generate',
  summary: 'Generate: an SSE stream of the task (default), or 202 with its URLs (stream: false)',
  security,
  request: { body: body(GenerateRequest), headers: IdempotencyHeaders },
  responses: {
    200: {
      description:
        'The task’s events (queued, started, token, retrying, reset, fallback, done, error)',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    202: accepted,
    ...commonErrors,
  },
});

const ensemble = createRoute({
  method: 'post',
  path: '/ensemble',
  summary:
    'Ensemble: one prompt to several models in parallel (default: one per enabled provider); an SSE stream of the task (default), or 202 with its URLs (stream: false)',
  description:
    'Each candidate’s `started` names its model; its `token`, `retrying` and `reset` events carry `model`; its end is a `progress` event of step `candidate` with `candidate` {model, status, usage, latencyMs, error}. One terminal event for the ensemble: `done` with `result` {candidates: [{model, status, answeredBy, text, finishReason, usage, latencyMs, error}], succeeded} when at least one candidate answered, else `error` with code `all_candidates_failed`. Its own per-user rate limit (`ENSEMBLE_RATE_LIMIT_PER_MINUTE`). 400 codes: `too_few_models`, `too_many_models`, `duplicate_models`, `model_not_found`, `model_retired`, `token_limit_exceeded`, `invalid_request`.',
  security,
  request: { body: body(EnsembleRequest), headers: IdempotencyHeaders },
  responses: {
    200: {
      description:
        'The task’s events (queued, started, token, progress, retrying, reset, done, error), the candidates’ tagged with `model`',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    202: accepted,
    ...commonErrors,
  },
});

const background = createRoute({
  method: 'post',
  path: '/background-task',
  summary: 'Submit a background task of a registered type',
  security,
  request: { body: body(BackgroundTaskRequest), headers: IdempotencyHeaders },
  responses: { 202: accepted, ...commonErrors },
});

const retry = createRoute({
  method: 'post',
  path: '/background-task/retry',
  summary: 'The runbook’s retry: same as `POST /api/tasks/{id}/retry`, the id in the body',
  security,
  request: { body: body(RetryRequest) },
  responses: {
    202: json(RetryResponse, 'Retried: the task is pending again on the same id'),
    200: json(RetryResponse, 'Already pending or running: nothing changed'),
    409: { description: 'Completed or cancelled', content: commonErrors[400].content },
    ...commonErrors,
  },
});

function toAccepted(task: SubmittedTask) {
  return {
    taskId: task.taskId,
    statusUrl: taskStatusUrl(task.taskId),
    eventsUrl: taskEventsUrl(task.taskId),
    existing: task.existing,
  };
}

/** A submission that asked to stream: the task's events from the first, on this response. */
async function streamAccepted(
  c: Context<AppEnv>,
  deps: ApiDeps,
  task: SubmittedTask,
  cancelOnDisconnect: boolean,
) {
  c.header('X-Task-Id', task.taskId);
  c.header('Content-Location', taskEventsUrl(task.taskId));
  await deps.fanOut.ready();
  return streamTaskEvents(c, deps, { taskId: task.taskId, afterSequence: 0, cancelOnDisconnect });
}

/** The `Idempotency-Key` header wins over the body field; either scopes to the caller. */
function idempotencyKeyOf(c: Context<AppEnv>, field: string | undefined): string | undefined {
  return c.req.header('idempotency-key') ?? field;
}

/** `/api/ai`: generation, ensembles, background tasks and their retry. */
export function aiRoutes(deps: ApiDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(generate, async (c) => {
      const request = c.req.valid('json');
      const task = await submitGeneration(deps, {
        userId: c.var.user.id,
        model: request.model,
        messages: toMessages(request),
        maxTokens: request.max_tokens,
        temperature: request.temperature,
        fallback: request.fallback,
        fallbackModels: request.fallback_models,
        cache: request.cache,
        idempotencyKey: idempotencyKeyOf(c, request.idempotency_key),
      });
      acceptedWork(c);
      if (!request.stream) return c.json(toAccepted(task), 202);
      return streamAccepted(c, deps, task, request.cancel_on_disconnect);
    })
    .openapi(ensemble, async (c) => {
      const request = c.req.valid('json');
      const task = await submitEnsemble(deps, {
        userId: c.var.user.id,
        models: request.models,
        messages: toMessages(request),
        maxTokens: request.max_tokens,
        temperature: request.temperature,
        idempotencyKey: idempotencyKeyOf(c, request.idempotency_key),
      });
      acceptedWork(c);
      if (!request.stream) return c.json(toAccepted(task), 202);
      return streamAccepted(c, deps, task, request.cancel_on_disconnect);
    })
    .openapi(background, async (c) => {
      const request = c.req.valid('json');
      assertRedisReady(deps);
      const idempotencyKey = idempotencyKeyOf(c, request.idempotency_key);
      const task = await submitTask(
        { ...deps, registry: deps.models },
        {
          kind: 'background',
          userId: c.var.user.id,
          type: request.type,
          input: request.input,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        },
      );
      acceptedWork(c);
      return c.json(toAccepted(task), 202);
    })
    .openapi(retry, async (c) => {
      const { status, body: response } = await retryFor(
        deps,
        c.req.valid('json').taskId,
        c.var.user,
      );
      return c.json(response, status);
    });
}
