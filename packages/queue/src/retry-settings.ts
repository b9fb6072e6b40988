import type { JobsOptions } from 'bullmq';

/**
 * The custom backoff type every task job carries. BullMQ calls the worker's
 * `settings.backoffStrategy` for it (exponential with full jitter and a cap; the built-in
 * `exponential` has no cap).
 */
export const BACKOFF_TYPE = 'aiq-full-jitter';

/** Attempts and backoff from a job type's retry policy (`config.retry.generate` or `.background`). */
export function retryJobOptions(retry: { readonly attempts: number }): JobsOptions {
  return { attempts: retry.attempts, backoff: { type: BACKOFF_TYPE } };
}
