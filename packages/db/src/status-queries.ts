/**
 * The SQL behind `aiq status` and `aiq usage`: the runbook's queries (runbook-queries.ts) with
 * their fixed `INTERVAL '1 hour'` made a parameter, `$1` = the window in whole seconds, so that
 * with `--since 1h` each number equals what `aiq runbook <query>` prints. Every query reads the
 * database's clock (`now()`), never the caller's.
 *
 * An error is a request whose status is `failed` or `timeout`; the lost value counts `failed`
 * only, as the runbook's business-impact query does.
 */
const since = `created_at > now() - $1::int * interval '1 second'`;

/** What every usage view sums, cache hits (cost 0, no provider call) apart. */
const USAGE_COLUMNS = `cache_hit,
  COUNT(*)::int AS requests,
  COALESCE(SUM(prompt_tokens), 0)::float8 AS prompt_tokens,
  COALESCE(SUM(completion_tokens), 0)::float8 AS completion_tokens,
  COALESCE(SUM(tokens_used), 0)::float8 AS tokens_used,
  ROUND(COALESCE(SUM(cost_usd), 0), 6)::float8 AS cost_usd`;

export const statusQueries = {
  /** Diagnosis step 1 (`failurePattern`), errors only, with the provider. */
  errorsByTarget: `SELECT
  provider,
  model,
  status,
  error_code,
  COUNT(*)::int AS count,
  MIN(created_at) AS first_seen,
  MAX(created_at) AS last_seen
FROM ai_requests
WHERE ${since}
  AND status IN ('failed', 'timeout')
GROUP BY provider, model, status, error_code
ORDER BY count DESC, provider, model, error_code;`,

  /** Monitoring → Key Metrics (`hourlySuccessRate`), over the window. */
  hourlySuccessRate: `SELECT
  DATE_TRUNC('hour', created_at) AS hour,
  COUNT(*)::int AS total_requests,
  SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END)::int AS successful,
  ROUND(100.0 * SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) / COUNT(*), 2)::float8 AS success_rate,
  ROUND(AVG(duration_ms))::float8 AS avg_duration_ms,
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p95_duration_ms
FROM ai_requests
WHERE ${since}
GROUP BY DATE_TRUNC('hour', created_at)
ORDER BY hour DESC;`,

  /**
   * The window's totals: the business-impact query (`failed_requests`, `affected_users`) beside
   * the timeout rate, the p95, and the errors of the last `$2` seconds (the severity's rate).
   */
  summary: `SELECT
  COUNT(*)::int AS total_requests,
  COUNT(*) FILTER (WHERE status = 'completed')::int AS successful,
  COUNT(*) FILTER (WHERE status = 'failed')::int AS failed_requests,
  COUNT(*) FILTER (WHERE status = 'timeout')::int AS timeouts,
  COUNT(DISTINCT user_id) FILTER (WHERE status = 'failed')::int AS affected_users,
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p95_duration_ms,
  COUNT(*) FILTER (
    WHERE status IN ('failed', 'timeout') AND created_at > now() - $2::int * interval '1 second'
  )::int AS recent_errors
FROM ai_requests
WHERE ${since};`,

  /** Tokens and cost by model; cache hits (cost 0, no provider call) apart. */
  usageByModel: `SELECT
  model,
  ${USAGE_COLUMNS}
FROM ai_requests
WHERE ${since}
GROUP BY model, cache_hit
ORDER BY cost_usd DESC, model, cache_hit;`,

  /** Tokens and cost by user. */
  usageByUser: `SELECT
  user_id,
  ${USAGE_COLUMNS}
FROM ai_requests
WHERE ${since}
GROUP BY user_id, cache_hit
ORDER BY cost_usd DESC, user_id, cache_hit;`,

  /** Tokens and cost by UTC day. */
  usageByDay: `SELECT
  TO_CHAR(DATE_TRUNC('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
  ${USAGE_COLUMNS}
FROM ai_requests
WHERE ${since}
GROUP BY 1, cache_hit
ORDER BY day DESC, cache_hit;`,

  /** The models called in the window (for `aiq doctor`'s end-of-life check). */
  modelsInUse: `SELECT model, COUNT(*)::int AS requests, MAX(created_at) AS last_used
FROM ai_requests
WHERE ${since}
GROUP BY model
ORDER BY model;`,
} as const;
