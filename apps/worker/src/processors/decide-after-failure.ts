import type { RetryPolicy } from '@aiq/config';
import { ProviderError } from '@aiq/providers';
import { isRedisOutOfMemory, type TaskErrorCode } from '@aiq/queue';
import { errorCodeOf } from '../error-code.js';
import { backoffDelayMs, cappedRetryAfterMs, providerHoldMs } from '../retry-policy.js';

/** What to do with a job whose attempt failed. */
export type FailureDecision =
  /**
   * The worker is shutting down, or Redis refused a write for want of memory: back to the queue
   * after `delayMs`, no attempt charged.
   */
  | { readonly kind: 'hand-back'; readonly delayMs: number }
  /** Someone cancelled the task: finish it as cancelled, neither retried nor dead-lettered. */
  | { readonly kind: 'cancelled' }
  /** The provider asked to wait: hold every call to it for `holdMs`, then retry, uncharged. */
  | { readonly kind: 'hold-provider'; readonly holdMs: number; readonly code: TaskErrorCode }
  /** Retry as attempt `attempt` after `delayMs` (full-jitter backoff, or a longer retry-after). */
  | {
      readonly kind: 'retry';
      readonly attempt: number;
      readonly delayMs: number;
      readonly code: TaskErrorCode;
    }
  /** No attempt or time left, or not retryable: fall back, or dead-letter and report. */
  | { readonly kind: 'final'; readonly status: 'failed' | 'timeout'; readonly code: TaskErrorCode };

/** The facts {@link decideAfterFailure} weighs; gathering them (Redis, the signal) is the caller's. */
export interface FailureFacts {
  readonly error: unknown;
  /** The job's signal was aborted because this worker is shutting down. */
  readonly shuttingDown: boolean;
  /** The task was cancelled (its signal, or the cancel key in Redis). */
  readonly cancelled: boolean;
  /** 1-based number of the attempt that failed. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Epoch ms: the whole task's deadline. */
  readonly deadlineAt: number;
  readonly now: number;
  /** The job type's retry policy. */
  readonly retry: RetryPolicy;
  /**
   * The job sits on one provider's queue, which a retry-after can hold as a whole. Background
   * jobs mix providers: they wait out a retry-after inside the attempt, and one that reaches
   * this decision did not fit before the deadline.
   */
  readonly canHoldProvider: boolean;
  /** The longest a retry-after is honoured (`RETRY_AFTER_MAX_MS`); a longer one is cut to it. */
  readonly retryAfterMaxMs: number;
  /** @defaultValue Math.random */
  readonly random?: () => number;
}

/**
 * The retry policy as a pure function (house style R11): shutdown → hand back; cancel →
 * cancelled; Redis out of memory → hand back after backoff; a retry-after that ends before the deadline → hold the provider; retryable with
 * attempts and time left → retry after backoff; anything else → final. Unknown errors (not a
 * ProviderError) are retryable: a bug or a dropped connection deserves another attempt.
 */
export function decideAfterFailure(facts: FailureFacts): FailureDecision {
  const { error, now, deadlineAt } = facts;
  if (facts.shuttingDown) return { kind: 'hand-back', delayMs: 0 };
  if (facts.cancelled) return { kind: 'cancelled' };
  // Not the task's fault: a write it needed (its result, an event) waits for memory to be freed.
  // Charging attempts would fail good tasks for as long as Redis stays full.
  if (isRedisOutOfMemory(error)) {
    return { kind: 'hand-back', delayMs: backoffDelayMs(facts.attempt, facts.retry, facts.random) };
  }
  const code = errorCodeOf(error);
  const holdMs = providerHoldMs(error, { deadlineAt, maxMs: facts.retryAfterMaxMs }, now);
  if (holdMs !== undefined && facts.canHoldProvider) return { kind: 'hold-provider', holdMs, code };
  const providerError = ProviderError.isInstance(error) ? error : undefined;
  const retryable = providerError?.retryable ?? code === 'internal_error';
  const delayMs = Math.max(
    backoffDelayMs(facts.attempt, facts.retry, facts.random),
    cappedRetryAfterMs(error, facts.retryAfterMaxMs) ?? 0,
  );
  if (retryable && facts.attempt < facts.maxAttempts && now + delayMs < deadlineAt) {
    return { kind: 'retry', attempt: facts.attempt + 1, delayMs, code };
  }
  // The runbook lists timed-out tasks apart (`status IN ('failed', 'timeout')`).
  return { kind: 'final', status: code === 'timeout' ? 'timeout' : 'failed', code };
}
