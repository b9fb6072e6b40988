import { z } from 'zod';

/** Token usage of a finished generation, as the provider reported it. */
export const TaskUsage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type TaskUsage = z.infer<typeof TaskUsage>;

/**
 * How one candidate of an ensemble ended, on its `progress` event. Its text is the candidate's
 * `token` events (and the task's result); usage and latency come with its answer, the error
 * (a task error code) when it failed for good. Not terminal: the other candidates go on.
 */
export const EnsembleCandidateEnd = z.object({
  model: z.string(),
  status: z.enum(['completed', 'failed']),
  usage: TaskUsage.nullable(),
  latencyMs: z.number().int().nonnegative().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type EnsembleCandidateEnd = z.infer<typeof EnsembleCandidateEnd>;

/**
 * What happened, without the envelope the publisher adds. The names are the public SSE event
 * names fixed by the API issue, plus `progress` (one per finished step of a background task)
 * and `cancelled`.
 */
export const TaskEventBody = z.discriminatedUnion('type', [
  /** Accepted: the ledger row is written and the job is on `queue`. */
  z.object({ type: z.literal('queued'), queue: z.string() }),
  /**
   * An attempt began on a worker. `attempt` counts from 1. `requestedModel` is there when the
   * model asked for has reached its end of life and `model` is the successor that runs instead.
   */
  z.object({
    type: z.literal('started'),
    attempt: z.number().int().positive(),
    provider: z.string(),
    model: z.string(),
    requestedModel: z.string().optional(),
  }),
  /**
   * A piece of generated text: one or more of the provider's deltas (those that reach the worker
   * while the previous event is being published go out together), so count text, not events.
   * `model` is there in an ensemble: the candidate it belongs to (the model asked for), so a
   * client can show the candidates side by side.
   */
  z.object({ type: z.literal('token'), text: z.string(), model: z.string().optional() }),
  /**
   * A step of a background task finished (e.g. one chunk of `ai_analyze_document`). In an
   * ensemble, step `candidate` with `candidate` set: one model's candidate ended (`completed`
   * candidates of `total` have).
   */
  z.object({
    type: z.literal('progress'),
    step: z.string(),
    completed: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    candidate: EnsembleCandidateEnd.optional(),
  }),
  /**
   * The attempt failed and attempt `attempt` will start in about `delayMs`. `model`: the
   * ensemble candidate that retries (the others go on).
   */
  z.object({
    type: z.literal('retrying'),
    attempt: z.number().int().positive(),
    delayMs: z.number().int().nonnegative(),
    code: z.string(),
    model: z.string().optional(),
  }),
  /**
   * Discard the text received so far: the next attempt starts over. `model`: only that ensemble
   * candidate's text.
   */
  z.object({
    type: z.literal('reset'),
    attempt: z.number().int().positive(),
    model: z.string().optional(),
  }),
  /** The model failed for good; the task continues on the next model of the fallback chain. */
  z.object({
    type: z.literal('fallback'),
    fromModel: z.string(),
    toModel: z.string(),
    code: z.string(),
  }),
  /** Terminal: finished. `result` is the task's result for background tasks. */
  z.object({
    type: z.literal('done'),
    model: z.string(),
    finishReason: z.string(),
    usage: TaskUsage.nullable(),
    result: z.unknown().optional(),
    /** True when the answer came from the response cache (no provider call). */
    cached: z.boolean().optional(),
    /**
     * What the calls that `usage` counts cost in USD at the model's prices (0 from the response
     * cache). Absent when a price is unknown (no usage), and from workers before it existed.
     */
    costUsd: z.number().nonnegative().optional(),
  }),
  /** Terminal: failed for good. `code` is the ProviderError kind (or an aiq code). */
  z.object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
  }),
  /** Terminal: cancelled by a user or operator. */
  z.object({ type: z.literal('cancelled'), reason: z.string() }),
  /**
   * A task that had ended (`error`) was retried and runs again on the same id: new `started`,
   * tokens and a new terminal event follow. `retryCount` is the task's `retry_count` now (1 for
   * the first retry); `door` says where the retry came from, `by` who asked.
   */
  z.object({
    type: z.literal('retried'),
    retryCount: z.number().int().positive(),
    door: z.enum(['api', 'cli', 'bull_board', 'sql', 'dlq']),
    by: z.string(),
  }),
]);
export type TaskEventBody = z.infer<typeof TaskEventBody>;
export type TaskEventType = TaskEventBody['type'];

/** What the publisher adds to every event. */
export const TaskEventEnvelope = z.object({
  taskId: z.string().min(1),
  /** 1, 2, 3, … per task, assigned atomically in Redis: the SSE `id` and `Last-Event-ID`. */
  sequence: z.number().int().positive(),
  /** Epoch ms when the publisher sent it. */
  at: z.number().int(),
});
export type TaskEventEnvelope = z.infer<typeof TaskEventEnvelope>;

/** One published event, as subscribers and the replay log see it. */
export const TaskEvent = z.intersection(TaskEventBody, TaskEventEnvelope);
export type TaskEvent = TaskEventBody & TaskEventEnvelope;

/**
 * A stream ends with one of these, unless the task is retried: then `retried` follows it and
 * the task runs again up to a new terminal event.
 */
export const TERMINAL_EVENT_TYPES: ReadonlySet<TaskEventType> = new Set([
  'done',
  'error',
  'cancelled',
]);

/** True for `done`, `error` and `cancelled`. */
export function isTerminalEvent(event: { readonly type: TaskEventType }): boolean {
  return TERMINAL_EVENT_TYPES.has(event.type);
}

/**
 * Parses one event from its wire form (a pub/sub message or a replay log entry).
 * @throws ZodError or SyntaxError for anything that is not a task event
 */
export function parseTaskEvent(json: string): TaskEvent {
  return TaskEvent.parse(JSON.parse(json));
}
