import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@aiq/db';
import { NON_RETRYABLE_CODES, TaskErrorCode } from '@aiq/queue';
import { recordOperatorAction, updateOperatorAction, type Actor } from './operator-actions.js';
import { retryTasks, type RetryDeps, type RetryOutcome } from './retry-task.js';

/** Which tasks a bulk retry takes: the runbook's bulk-retry `WHERE`, as options. */
export interface BulkRetryFilters {
  /** @defaultValue ['failed'] */
  readonly statuses?: readonly ('failed' | 'timeout')[];
  /** Created within this many milliseconds. @defaultValue one hour */
  readonly sinceMs?: number;
  readonly type?: string;
  /** The model asked for or the one that ran. */
  readonly model?: string;
  readonly errorCode?: string;
  /** Only tasks retried fewer times than this (the runbook's `retry_count < 3`). @defaultValue 3 */
  readonly maxRetries?: number;
  readonly limit?: number;
  /** Also retry codes retrying cannot fix (auth, insufficient_quota, content_filtered, …). */
  readonly includeNonRetryable?: boolean;
}

/** How a bulk retry runs. */
export interface BulkRetryOptions {
  /** Report what would be retried and change nothing. */
  readonly dryRun?: boolean;
  /** Tasks enqueued per second at most, so a retry wave cannot set off a rate limit again. */
  readonly ratePerSecond?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** What a bulk retry matched and did. */
export interface BulkRetrySummary {
  readonly matched: number;
  readonly retried: number;
  /** Reason → count: `non_retryable:auth`, `open` (raced by another door), … */
  readonly skipped: Readonly<Record<string, number>>;
  readonly taskIds: readonly string[];
  readonly dryRun: boolean;
  /**
   * Tasks an earlier bulk retry chose and retried before it stopped short (killed mid-way): no
   * longer in the statuses asked for, so not matched again.
   */
  readonly retriedByEarlierRun: number;
}

interface Candidate {
  id: string;
  error_code: string | null;
}

const HOUR_MS = 3_600_000;

/** The tasks the filters match, oldest first. */
async function selectCandidates(
  database: Database,
  filters: BulkRetryFilters,
): Promise<Candidate[]> {
  const conditions = [
    `status IN (SELECT value FROM jsonb_array_elements_text($1::jsonb))`,
    `created_at > now() - ($2::bigint * interval '1 millisecond')`,
    `retry_count < $3::int`,
  ];
  const parameters: (string | number)[] = [
    JSON.stringify(filters.statuses ?? ['failed']),
    filters.sinceMs ?? HOUR_MS,
    filters.maxRetries ?? 3,
  ];
  const add = (condition: (placeholder: string) => string, value: string) => {
    parameters.push(value);
    conditions.push(condition(`$${parameters.length}`));
  };
  if (filters.type !== undefined) add((p) => `type = ${p}`, filters.type);
  if (filters.model !== undefined)
    add((p) => `(model = ${p} OR input->>'model' = ${p})`, filters.model);
  if (filters.errorCode !== undefined) add((p) => `error_code = ${p}`, filters.errorCode);
  const limit =
    filters.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.trunc(filters.limit))}`;
  const text = `SELECT id, error_code FROM background_tasks WHERE ${conditions.join(' AND ')}
    ORDER BY created_at${limit}`;
  return database.query<Candidate>(text, parameters);
}

/**
 * How many tasks a bulk retry that never finished (killed or crashed: its counts stopped short
 * of what it matched) reopened, and no later retry chose again: a rerun does not match them
 * (they left `statuses`), and its summary must say where they went. Only runs made with the
 * same selection as this one count (status, type, model, error code, retry bound, non-retryable
 * codes), and only their tasks created within this run's window: a killed `--type summarize`
 * run is no answer to a `--type translate` one.
 */
async function countRetriedByUnfinishedRuns(
  database: Database,
  filters: BulkRetryFilters,
): Promise<number> {
  const [row] = await database.query<{ count: number }>(
    `WITH unfinished AS (
       SELECT task_ids, created_at FROM operator_actions
       WHERE action = 'bulk_retry' AND changed + skipped < matched
         AND created_at > now() - ($1::bigint * interval '1 millisecond')
         AND COALESCE(filters->'statuses', '["failed"]'::jsonb) = $2::jsonb
         AND filters->>'type' IS NOT DISTINCT FROM $3::text
         AND filters->>'model' IS NOT DISTINCT FROM $4::text
         AND filters->>'errorCode' IS NOT DISTINCT FROM $5::text
         AND COALESCE((filters->>'maxRetries')::int, 3) = $6::int
         AND COALESCE((filters->>'includeNonRetryable')::boolean, false) = $7::boolean
     ),
     chosen AS (
       SELECT chosen.id::uuid AS id, unfinished.created_at
       FROM unfinished CROSS JOIN LATERAL jsonb_array_elements_text(unfinished.task_ids) AS chosen(id)
     ),
     chosen_later AS (
       SELECT later_id.id::uuid AS id, later.created_at
       FROM operator_actions AS later
       CROSS JOIN LATERAL jsonb_array_elements_text(later.task_ids) AS later_id(id)
       WHERE later.action IN ('bulk_retry', 'retry', 'dlq_replay')
         AND later.created_at > (SELECT min(created_at) FROM unfinished)
     )
     SELECT count(DISTINCT task.id)::int AS count
     FROM chosen JOIN background_tasks AS task ON task.id = chosen.id
     WHERE task.retry_count > 0
       AND task.created_at > now() - ($1::bigint * interval '1 millisecond')
       AND task.status NOT IN (SELECT value FROM jsonb_array_elements_text($2::jsonb))
       AND NOT EXISTS (
         SELECT 1 FROM chosen_later
         WHERE chosen_later.id = chosen.id AND chosen_later.created_at > chosen.created_at
       )`,
    [
      filters.sinceMs ?? HOUR_MS,
      JSON.stringify(filters.statuses ?? ['failed']),
      filters.type ?? null,
      filters.model ?? null,
      filters.errorCode ?? null,
      filters.maxRetries ?? 3,
      filters.includeNonRetryable ?? false,
    ],
  );
  return row?.count ?? 0;
}

function isNonRetryable(code: string | null): boolean {
  const parsed = TaskErrorCode.safeParse(code);
  return parsed.success && NON_RETRYABLE_CODES.has(parsed.data);
}

function count(into: Record<string, number>, reason: string, by = 1): void {
  into[reason] = (into[reason] ?? 0) + by;
}

/**
 * The runbook's bulk retry, safely: selects failed tasks by the filters, skips the codes a retry
 * cannot fix, and retries the rest on their own ids at a bounded rate (see `retryTasks`). A
 * second run finds nothing to retry twice: a retried task is open, or counts one retry more; the
 * tasks a killed run retried are counted in `retriedByEarlierRun`.
 * One `operator_actions` row records the filters and the tasks chosen before anything changes,
 * and its counts as the retry goes.
 */
export async function bulkRetry(
  deps: RetryDeps,
  filters: BulkRetryFilters,
  actor: Actor,
  { dryRun = false, ratePerSecond, onProgress }: BulkRetryOptions = {},
): Promise<BulkRetrySummary> {
  const candidates = await selectCandidates(deps.database, filters);
  const retriedByEarlierRun = await countRetriedByUnfinishedRuns(deps.database, filters);
  const skipped: Record<string, number> = {};
  const chosen: string[] = [];
  for (const candidate of candidates) {
    if (!filters.includeNonRetryable && isNonRetryable(candidate.error_code)) {
      count(skipped, `non_retryable:${candidate.error_code ?? ''}`);
    } else {
      chosen.push(candidate.id);
    }
  }
  // Written before anything changes, so a run killed half-way is on record with what it chose.
  const actionId = await recordOperatorAction(deps.database, {
    ...actor,
    action: 'bulk_retry',
    taskIds: dryRun ? [] : chosen,
    filters: { ...filters, dryRun, ...(ratePerSecond === undefined ? {} : { ratePerSecond }) },
    matched: candidates.length,
    changed: 0,
    skipped: dryRun ? candidates.length : candidates.length - chosen.length,
  });
  let retried = 0;
  if (!dryRun) {
    // Chunks of a tenth of a second's worth, paced: a rate of 50/s retries 5 every 100 ms.
    const chunkSize =
      ratePerSecond === undefined ? chosen.length : Math.max(1, Math.floor(ratePerSecond / 10));
    const chunkMs = ratePerSecond === undefined ? 0 : (chunkSize / ratePerSecond) * 1_000;
    for (let start = 0; start < chosen.length; start += chunkSize) {
      const begun = Date.now();
      const outcomes: RetryOutcome[] = await retryTasks(
        deps,
        chosen.slice(start, start + chunkSize),
        actor,
        { audit: false, onProgress: (done) => onProgress?.(start + done, chosen.length) },
      );
      for (const outcome of outcomes) {
        if (outcome.result === 'retried') retried += 1;
        else count(skipped, outcome.result);
      }
      await updateOperatorAction(deps.database, actionId, {
        changed: retried,
        skipped: Object.values(skipped).reduce((sum, value) => sum + value, 0),
      });
      const wait = chunkMs - (Date.now() - begun);
      if (wait > 0 && start + chunkSize < chosen.length) await sleep(wait);
    }
  }
  return {
    matched: candidates.length,
    retried,
    skipped,
    taskIds: chosen,
    dryRun,
    retriedByEarlierRun,
  };
}
