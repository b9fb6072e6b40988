/**
 * The SQL of the on-call runbook (ai-worker-failures.md), kept verbatim: the schema's column
 * names exist so these run unchanged, and `runbook-queries.test.ts` runs each one against both
 * PostgreSQL and PGlite. Operators paste them into psql; the CLI runs them by name.
 */
export const runbookQueries = {
  /** Symptoms → Database Telemetry: failures by status and error code, last hour. */
  requestFailures: `-- Check AI request failures
SELECT
  status,
  error_code,
  COUNT(*) as count,
  AVG(duration_ms) as avg_duration
FROM ai_requests
WHERE created_at > NOW() - INTERVAL '1 hour'
GROUP BY status, error_code
ORDER BY count DESC;`,

  /** Impact Assessment → Business Impact: lost value in the last hour. */
  businessImpact: `-- Calculate lost AI generation value (last hour)
SELECT
  COUNT(*) as failed_requests,
  COUNT(*) * 0.10 as estimated_lost_revenue_usd,
  COUNT(DISTINCT user_id) as affected_users
FROM ai_requests
WHERE
  created_at > NOW() - INTERVAL '1 hour'
  AND status = 'failed';`,

  /** Failure mode 3 → Check Request Size: recent token-limit failures. */
  requestSize: `SELECT
  id,
  model,
  LENGTH(prompt) as prompt_length,
  LENGTH(response) as response_length,
  tokens_used,
  created_at
FROM ai_requests
WHERE
  status = 'failed'
  AND error_code LIKE '%token%'
  AND created_at > NOW() - INTERVAL '1 hour'
ORDER BY created_at DESC
LIMIT 10;`,

  /** Diagnosis step 1: error distribution by model, status and code. */
  failurePattern: `SELECT
    model,
    status,
    error_code,
    COUNT(*) as count,
    MIN(created_at) as first_seen,
    MAX(created_at) as last_seen
  FROM ai_requests
  WHERE created_at > NOW() - INTERVAL '1 hour'
  GROUP BY model, status, error_code
  ORDER BY count DESC;`,

  /** Diagnosis step 4: database connections (the runbook's app named them `supabase…`). */
  databaseConnections: `SELECT
    COUNT(*) as active_connections,
    MAX(state) as state
  FROM pg_stat_activity
  WHERE application_name LIKE '%supabase%';`,

  /** Background Task Recovery: failed or timed-out AI tasks of the last day. */
  failedBackgroundTasks: `SELECT
  id,
  type,
  status,
  error_message,
  created_at,
  completed_at
FROM background_tasks
WHERE
  type LIKE '%ai%'
  AND status IN ('failed', 'timeout')
  AND created_at > NOW() - INTERVAL '1 day'
ORDER BY created_at DESC;`,

  /** Background Task Recovery → Bulk Retry: marks recent failures pending again. */
  bulkRetry: `-- Mark failed tasks for retry
UPDATE background_tasks
SET
  status = 'pending',
  retry_count = retry_count + 1,
  error_message = NULL
WHERE
  status = 'failed'
  AND retry_count < 3
  AND created_at > NOW() - INTERVAL '1 hour';`,

  /** Prevention §4: the token-usage alert, installed by migration 0001. */
  checkTokenUsage: `SELECT check_token_usage();`,

  /** Monitoring → Key Metrics: hourly success rate and latency, last 24 hours. */
  hourlySuccessRate: `-- AI request success rate (last 24 hours)
SELECT
  DATE_TRUNC('hour', created_at) as hour,
  COUNT(*) as total_requests,
  SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) as successful,
  ROUND(100.0 * SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) / COUNT(*), 2) as success_rate,
  AVG(duration_ms) as avg_duration_ms,
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) as p95_duration_ms
FROM ai_requests
WHERE created_at > NOW() - INTERVAL '24 hours'
GROUP BY DATE_TRUNC('hour', created_at)
ORDER BY hour DESC;`,
} as const;

export type RunbookQueryName = keyof typeof runbookQueries;
