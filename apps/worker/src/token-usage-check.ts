import type { Database } from '@aiq/db';
import type { Logger } from '@aiq/logger';

/** The runbook's channel (migration 0001's `check_token_usage()` notifies on it too). */
export const HIGH_TOKEN_USAGE_CHANNEL = 'high_token_usage';

/** How long the alert webhook may take before the post is given up (and logged). */
const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * The runbook's `check_token_usage()` with a configurable threshold: the function is fixed at
 * "more than 1,000,000", the check fires at the threshold and over it. `tokens_used` summed as
 * bigint, so a busy day cannot overflow the function's INTEGER.
 */
const DAILY_TOKENS = `SELECT coalesce(sum(tokens_used), 0)::bigint::text AS total
FROM ai_requests WHERE created_at > now() - interval '1 day'`;

export interface TokenUsageReport {
  /** Tokens used in the last day, by the database's clock. */
  readonly tokens: number;
  readonly threshold: number;
  /** `high_token_usage` was notified. */
  readonly alerted: boolean;
  /** The webhook answered 2xx; undefined when none is configured or nothing was alerted. */
  readonly posted?: boolean;
}

export interface TokenUsageCheckOptions {
  readonly threshold: number;
  /** A secret: never logged. */
  readonly webhookUrl: string | undefined;
}

/**
 * The daily token-usage check (a maintenance job): sums the last day's tokens and, at or over
 * the threshold, sends `pg_notify('high_token_usage', total)` as the runbook's function does and
 * POSTs `{ alert, tokens, threshold }` to the alert webhook. A failed post is logged, not thrown:
 * the notify went out, and retrying the job would notify twice.
 */
export async function checkTokenUsage(
  { database, logger }: { database: Database; logger: Logger },
  { threshold, webhookUrl }: TokenUsageCheckOptions,
): Promise<TokenUsageReport> {
  const [row] = await database.query<{ total: string }>(DAILY_TOKENS);
  const tokens = Number(row?.total ?? 0);
  if (tokens < threshold) return { tokens, threshold, alerted: false };
  await database.query('SELECT pg_notify($1, $2)', [HIGH_TOKEN_USAGE_CHANNEL, String(tokens)]);
  logger.warn({ tokens, threshold }, 'daily token usage reached the threshold');
  if (webhookUrl === undefined) return { tokens, threshold, alerted: true };
  const posted = await postAlert(
    webhookUrl,
    { alert: HIGH_TOKEN_USAGE_CHANNEL, tokens, threshold },
    logger,
  );
  return { tokens, threshold, alerted: true, posted };
}

async function postAlert(url: string, body: object, logger: Logger): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (response.ok) return true;
    logger.warn({ status: response.status }, 'the alert webhook refused the token-usage alert');
  } catch (error) {
    // The error's name only: a fetch error's message or cause may quote the URL.
    const reason = error instanceof Error ? error.name : 'unknown';
    logger.warn({ reason }, 'could not post the token-usage alert to the webhook');
  }
  return false;
}
