import type { RetryPolicy } from '@aiq/config';
import { cancelKey } from '@aiq/queue';
import { ProviderError } from '@aiq/providers';
import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import { ABORT_REASON } from '../abort-reason.js';
import { errorCodeOf, errorMessageOf } from '../error-code.js';
import { resetPartialOutput } from '../generation/partial-output-marker.js';
import { backoffDelayMs, providerHoldMs, RetryAttemptError } from '../retry-policy.js';
import type { WorkerDeps } from '../worker-deps.js';
import { logAttemptFailure } from './dead-letter.js';

/** What the processor returns instead of throwing. */
export type HandledOutcome =
  { readonly status: 'cancelled' } | { readonly status: 'fell-back'; readonly toModel: string };

/** The job-level facts the failure policy needs. */
export interface FailureContext {
  readonly deps: WorkerDeps;
  readonly job: Job;
  readonly token: string | undefined;
  /**
   * A provider queue, which a retry-after rate-limits as a whole; undefined for queues that mix
   * providers (background tasks). Background tasks hold the provider and wait out a retry-after
   * inside the attempt (`tasks/run-limited-provider-call.ts`); one that reaches this policy did
   * not fit before the attempt's deadline, and only delays this job's retry.
   */
  readonly rateLimitQueue: Queue | undefined;
  readonly taskId: string;
  /** The job type's retry policy (`config.retry.generate` or `.background`). */
  readonly retry: RetryPolicy;
  /** 1-based. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Epoch ms: the whole task's deadline. */
  readonly deadlineAt: number;
  readonly signal: AbortSignal;
  /** Called for a failure that is final: fall back, or dead-letter and report. */
  onFinal(error: unknown, status: 'failed' | 'timeout'): Promise<HandledOutcome | Error>;
}

async function isCancelled(context: FailureContext): Promise<boolean> {
  if (context.signal.aborted && context.signal.reason === ABORT_REASON.cancelled) return true;
  const key = cancelKey(context.deps.config.redis.prefix, context.taskId);
  return (await context.deps.redis.exists(key)) === 1;
}

/** Publishes `cancelled` and records it; the job completes so it is neither retried nor dead-lettered. */
export async function finishCancelled(deps: WorkerDeps, taskId: string): Promise<HandledOutcome> {
  // Ledger first: a client that has seen the terminal event finds the outcome recorded.
  await deps.ledger.updateTask({
    kind: 'finished',
    taskId,
    status: 'cancelled',
    errorCode: 'cancelled',
    at: Date.now(),
  });
  await deps.events.publish(taskId, { type: 'cancelled', reason: 'cancelled' });
  return { status: 'cancelled' };
}

/**
 * Publishes `retrying` for the attempt that runs next, then `reset` if the failed call had
 * streamed text, so the client discards it. Also used by background tasks, which wait out a
 * retry-after inside the attempt (`tasks/run-limited-provider-call.ts`).
 */
export async function announceRetry(
  deps: WorkerDeps,
  taskId: string,
  next: { attempt: number; delayMs: number; code: string },
  partialText: string,
): Promise<void> {
  await deps.events.publish(taskId, { type: 'retrying', ...next });
  if (partialText.length > 0) await resetPartialOutput(deps, taskId, next.attempt);
}

/**
 * The retry policy (house style R11): turns a failed attempt into what BullMQ should do.
 * Shutdown → hand the job back; cancel → complete as cancelled; `retryAfterMs` → rate-limit the
 * whole provider queue and retry without charging an attempt; retryable with attempts and time
 * left → retry after full-jitter backoff; anything else → final (fallback or dead letter).
 * @returns an error to throw, or an outcome to return
 */
export async function handleAttemptFailure(
  context: FailureContext,
  error: unknown,
  partialText: string,
): Promise<HandledOutcome | Error> {
  const { deps, job, signal } = context;
  if (signal.aborted && signal.reason === ABORT_REASON.shutdown) {
    // Back to the queue untouched: no attempt charged, another worker takes it at once.
    await job.moveToDelayed(Date.now(), context.token);
    return new DelayedError();
  }
  if (await isCancelled(context)) return finishCancelled(deps, context.taskId);

  const code = errorCodeOf(error);
  const now = Date.now();
  const providerError = ProviderError.isInstance(error) ? error : undefined;
  const retryable = providerError?.retryable ?? code === 'internal_error';
  const retryAfterMs = providerError?.retryAfterMs;
  const holdMs = providerHoldMs(error, context.deadlineAt, now);
  const queue = context.rateLimitQueue;
  if (holdMs !== undefined && queue) {
    await announceRetry(
      deps,
      context.taskId,
      { attempt: context.attempt, delayMs: holdMs, code },
      partialText,
    );
    await queue.rateLimit(holdMs);
    return Worker.RateLimitError();
  }

  await logAttemptFailure(job, {
    attempt: context.attempt,
    at: now,
    errorCode: code,
    message: errorMessageOf(error),
  });
  const delayMs = Math.max(backoffDelayMs(context.attempt, context.retry), retryAfterMs ?? 0);
  if (retryable && context.attempt < context.maxAttempts && now + delayMs < context.deadlineAt) {
    await announceRetry(
      deps,
      context.taskId,
      { attempt: context.attempt + 1, delayMs, code },
      partialText,
    );
    return new RetryAttemptError(errorMessageOf(error), code, delayMs);
  }
  // The runbook lists timed-out tasks apart (`status IN ('failed', 'timeout')`).
  return context.onFinal(error, code === 'timeout' ? 'timeout' : 'failed');
}

/** Reports a final failure: `error` event, ledger row marked, job failed without retries. */
export async function reportFinalFailure(
  deps: WorkerDeps,
  taskId: string,
  error: unknown,
  status: 'failed' | 'timeout',
): Promise<Error> {
  const code = errorCodeOf(error);
  const message = errorMessageOf(error);
  const retryable = ProviderError.isInstance(error) ? error.retryable : false;
  await deps.ledger.updateTask({
    kind: 'finished',
    taskId,
    status,
    errorCode: code,
    errorMessage: message,
    at: Date.now(),
  });
  await deps.events.publish(taskId, { type: 'error', code, message, retryable });
  return new UnrecoverableError(`${code}: ${message}`);
}
