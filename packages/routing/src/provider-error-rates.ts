import type { Database } from '@aiq/db';

/** One provider's provider calls in the recent window, from the ledger (`ai_requests`). */
export interface ProviderErrorRate {
  /**
   * Finished provider calls (completed, failed or timed out). Cache hits are no call, and a
   * caller's own error is neutral, as in the circuit breaker: it counts neither way.
   */
  readonly calls: number;
  /** Of those, failed or timed out. */
  readonly errors: number;
  /** `errors / calls`, 0 without calls. */
  readonly rate: number;
}

/**
 * Error codes of a request's own making: they say nothing about the provider's health. The same
 * list as the circuit breaker's neutral client errors (`call-outcome.ts`), rate limits excepted:
 * a user refused with 429 sees a failure.
 */
const CALLER_ERROR_CODES = [
  'invalid_request',
  'content_filtered',
  'token_limit_exceeded',
  'model_not_found',
  'model_retired',
  'unknown_task_type',
  'fallback_context_exceeded',
];

/**
 * Each provider's error rate over the last `windowMs`, judged at the database's clock, in one
 * query on `ai_requests_created_at_idx`. Providers without a call in the window are absent.
 * The runbook's check, by hand:
 * `SELECT provider, count(*) FILTER (WHERE status IN ('failed','timeout')), count(*) FROM ai_requests
 * WHERE created_at > now() - interval '5 minutes' AND … GROUP BY provider`.
 */
export async function readProviderErrorRates(
  database: Database,
  windowMs: number,
): Promise<Record<string, ProviderErrorRate>> {
  const rows = await database.query<{ provider: string; calls: number; errors: number }>(
    `SELECT provider,
            count(*)::int AS calls,
            count(*) FILTER (WHERE status IN ('failed', 'timeout'))::int AS errors
       FROM ai_requests
      WHERE created_at > now() - make_interval(secs => $1::double precision / 1000)
        AND status IN ('completed', 'failed', 'timeout')
        AND NOT cache_hit
        AND (error_code IS NULL OR NOT (error_code = ANY($2::text[])))
      GROUP BY provider`,
    [windowMs, `{${CALLER_ERROR_CODES.join(',')}}`],
  );
  return Object.fromEntries(
    rows.map(({ provider, calls, errors }) => [
      provider,
      { calls, errors, rate: calls === 0 ? 0 : errors / calls },
    ]),
  );
}
