import { z } from '@hono/zod-openapi';
import { TASK_STATUSES } from '@aiq/db';

/** `:id` of every task route: a UUID, else 400 before any lookup. */
export const TaskIdParams = z.object({
  id: z.uuid().openapi({
    param: { name: 'id', in: 'path' },
    example: '0b7f5c1e-6a43-4a52-9a8e-3f1d2c4b5a69',
  }),
});

const TaskStatus = z.enum(TASK_STATUSES).openapi('TaskStatus');

/** What every submission answers with 202. */
export const TaskAccepted = z
  .object({
    taskId: z.uuid(),
    /** Poll here. */
    statusUrl: z.string(),
    /** Stream here (SSE, resumable with Last-Event-ID). */
    eventsUrl: z.string(),
    /** True when an earlier submission with the same idempotency key was returned. */
    existing: z.boolean(),
  })
  .openapi('TaskAccepted');
export type TaskAccepted = z.infer<typeof TaskAccepted>;

const TaskError = z.object({ code: z.string(), message: z.string() }).openapi('TaskError');

/** A task as `GET /api/tasks/:id` shows it. */
export const TaskResponse = z
  .object({
    id: z.uuid(),
    type: z.string(),
    status: TaskStatus,
    /**
     * The model the task runs on: the latest attempt's (a retired model's successor, or a
     * fallback), else the one asked for. Null for background tasks without one.
     */
    model: z.string().nullable(),
    /** The model the submission asked for, as it was written (an id or an alias). */
    requestedModel: z.string().nullable(),
    result: z.unknown().nullable(),
    error: TaskError.nullable(),
    /** Attempts started by the current run (since submission, or since the last retry). */
    attempts: z.number().int().nonnegative(),
    /** Times an operator or the client retried the task after it failed. */
    retryCount: z.number().int().nonnegative(),
    /**
     * What the task cost so far in USD: every provider call it made (attempts, steps, ensemble
     * candidates, failed calls included) at the model's prices. 0 for an answer from the
     * response cache; null before any priced call.
     */
    costUsd: z.number().nonnegative().nullable(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime(),
    eventsUrl: z.string(),
  })
  .openapi('Task');
export type TaskResponse = z.infer<typeof TaskResponse>;

export const TaskListQuery = z.object({
  status: TaskStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
  /** Operators: one user's tasks (`*` for everyone's, the default for them). Others: only themselves. */
  user: z.string().min(1).max(200).optional(),
});

export const TaskList = z
  .object({ tasks: z.array(TaskResponse), nextCursor: z.string().nullable() })
  .openapi('TaskList');
export type TaskList = z.infer<typeof TaskList>;

export const CancelResponse = z
  .object({ taskId: z.uuid(), status: z.literal('cancelled') })
  .openapi('Cancelled');

/** What `POST /api/tasks/:id/retry` answers. */
export const RetryResponse = z
  .object({
    taskId: z.uuid(),
    /** False when the task was already pending or running: nothing changed. */
    retried: z.boolean(),
    status: TaskStatus,
    /** The task's `retry_count`: times it was retried by an operator or a client. */
    retryCount: z.number().int().nonnegative(),
    statusUrl: z.string(),
    /** The same stream as before: `retried`, then the new run's events, follow its end. */
    eventsUrl: z.string(),
    message: z.string(),
  })
  .openapi('RetryResponse');
export type RetryResponse = z.infer<typeof RetryResponse>;

export const StreamToken = z
  .object({
    token: z.string(),
    expiresAt: z.iso.datetime(),
    /** Open this with EventSource: the token is bound to this task, and its reconnects reuse it. */
    eventsUrl: z.string(),
  })
  .openapi('StreamToken');

export const EventsQuery = z.object({
  /** A stream token from `POST /api/tasks/:id/stream-token`, for EventSource (no headers). */
  token: z.string().optional(),
  /** Same as the `Last-Event-ID` header, for a new EventSource resuming a stream. */
  last_event_id: z.string().optional(),
  /**
   * `retries`: stay open after a terminal event, so a retry of the task (`retried`, then its new
   * run) arrives on the same stream. Without it the stream ends at the terminal event.
   */
  follow: z.enum(['retries']).optional(),
});

/** One background task type, as `GET /api/tasks/catalog` lists it. */
const CatalogEntry = z
  .object({
    /** The `type` of `POST /api/ai/background-task`. */
    type: z.string(),
    /** Its `input` as JSON Schema (draft 2020-12): what a form for it asks for. */
    inputSchema: z.record(z.string(), z.unknown()).openapi({ type: 'object' }),
  })
  .openapi('TaskCatalogEntry');

/** What `GET /api/tasks/catalog` answers. */
export const TaskCatalogResponse = z
  .object({ types: z.array(CatalogEntry) })
  .openapi('TaskCatalog');

export const ErrorResponse = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error');

/** The error responses every authenticated route may give. */
export const commonErrors = {
  400: {
    description: 'Invalid request',
    content: { 'application/json': { schema: ErrorResponse } },
  },
  401: {
    description: 'Missing or invalid API key',
    content: { 'application/json': { schema: ErrorResponse } },
  },
  404: {
    description: 'No such task for this caller',
    content: { 'application/json': { schema: ErrorResponse } },
  },
  429: { description: 'Rate limited', content: { 'application/json': { schema: ErrorResponse } } },
  503: {
    description: 'Redis or Postgres unreachable',
    content: { 'application/json': { schema: ErrorResponse } },
  },
} as const;
