import type { RetryPolicy } from '@aiq/config';
import { ProviderError } from '@aiq/providers';
import { BACKOFF_TYPE } from '@aiq/queue';
import type { BackoffStrategy } from 'bullmq';

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): a uniform delay between 0 and `min(maxDelayMs, baseDelayMs * 2^(retry - 1))`.
 * Runbook defaults: 1 s doubling, capped at 10 s.
 * @param retry - 1 for the first retry
 */
export function backoffDelayMs(
  retry: number,
  { baseDelayMs, maxDelayMs }: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The error a processor throws for an attempt that should be retried. It carries the delay the
 * processor already announced in the `retrying` event, so the event and BullMQ agree.
 */
export class RetryAttemptError extends Error {
  override readonly name = 'RetryAttemptError';
  constructor(
    message: string,
    readonly code: string,
    readonly retryDelayMs: number,
  ) {
    super(message);
  }
}

/**
 * BullMQ's `settings.backoffStrategy` (the one seam, house style R11): the announced delay for
 * our own retries, full jitter for anything else (e.g. an unexpected exception).
 */
export function createBackoffStrategy(retry: RetryPolicy): BackoffStrategy {
  return (attemptsMade, type, error) => {
    if (type !== BACKOFF_TYPE) return 0;
    if (error instanceof RetryAttemptError) return error.retryDelayMs;
    return backoffDelayMs(attemptsMade, retry);
  };
}

/**
 * A provider's retry-after in ms, cut to `maxMs` (`RETRY_AFTER_MAX_MS`): a provider that sends
 * `retry-after: 86400` must not park a job, or every call to it, for a day. The openai SDK
 * likewise trusts a retry-after only under 60 s. Undefined when the error carries none.
 */
export function cappedRetryAfterMs(error: unknown, maxMs: number): number | undefined {
  if (!ProviderError.isInstance(error) || error.retryAfterMs === undefined) return undefined;
  return Math.min(error.retryAfterMs, maxMs);
}

/**
 * How long a provider's retry-after asks to hold every call to it, in whole ms and at most
 * `maxMs`, when the error is retryable and the hold ends before `deadlineAt`; otherwise
 * undefined (the backoff policy applies). Whole and at least 1: `queue.rateLimit` is `SET … PX`,
 * and `retry-after: 0` still means "not this instant".
 */
export function providerHoldMs(
  error: unknown,
  { deadlineAt, maxMs }: { deadlineAt: number; maxMs: number },
  now = Date.now(),
): number | undefined {
  const retryAfterMs = cappedRetryAfterMs(error, maxMs);
  if (!ProviderError.isInstance(error) || !error.retryable || retryAfterMs === undefined) {
    return undefined;
  }
  const holdMs = Math.max(1, Math.ceil(retryAfterMs));
  return now + holdMs < deadlineAt ? holdMs : undefined;
}
