import type { CliServices } from './cli-services.js';

export interface SeededRequests {
  readonly count: number;
  readonly status: 'completed' | 'failed' | 'timeout';
  /** Default `server_error`; null for a success. */
  readonly errorCode?: string | null;
  readonly provider?: string;
  readonly model?: string;
  /** Placed by the database's clock (`now()`), as the queries read it. */
  readonly minutesAgo: number;
  readonly durationMs?: number;
  /** Default: a user of its own for each row. */
  readonly userId?: string;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly costUsd?: number;
  readonly cacheHit?: boolean;
}

/** Inserts `count` ledger rows in one statement, `minutesAgo` by the database's clock. */
export async function seedRequests(
  services: CliServices,
  {
    count,
    status,
    errorCode = 'server_error',
    provider = 'openai',
    model = 'gpt-5',
    minutesAgo,
    durationMs = 500,
    userId,
    promptTokens,
    completionTokens,
    costUsd,
    cacheHit = false,
  }: SeededRequests,
): Promise<void> {
  await services.database.query(
    `INSERT INTO ai_requests (user_id, provider, model, status, error_code, duration_ms,
       prompt_tokens, completion_tokens, tokens_used, cost_usd, cache_hit, created_at)
     SELECT COALESCE($2, 'user-' || gen_random_uuid()), $3, $4, $5, $6, $7,
            $8::int, $9::int, $8::int + $9::int, $10::numeric, $11,
            now() - $12::float8 * interval '1 minute'
     FROM generate_series(1, $1::int)`,
    [
      count,
      userId ?? null,
      provider,
      model,
      status,
      status === 'completed' ? null : errorCode,
      durationMs,
      promptTokens ?? null,
      completionTokens ?? null,
      costUsd ?? null,
      cacheHit,
      minutesAgo,
    ],
  );
}
