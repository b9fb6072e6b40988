import type { Database } from './database.js';
import { TERMINAL_TASK_STATUSES } from './schema.js';

/** Rows whose text {@link eraseOldPrompts} erased. */
export interface ErasedPrompts {
  /** `ai_requests` rows whose prompt and response were set to null. */
  readonly requests: number;
  /** Finished `background_tasks` rows whose input and result were erased. */
  readonly tasks: number;
}

const TERMINAL = TERMINAL_TASK_STATUSES.map((status) => `'${status}'`).join(', ');

// One batch per statement: pick the oldest rows still holding text after the cursor (the index
// on created_at), erase them, and say how many and where the batch ended.
const ERASE_REQUESTS = `
WITH batch AS (
  SELECT id FROM ai_requests
  WHERE created_at < $1::timestamptz AND created_at >= $2::timestamptz AND (prompt IS NOT NULL OR response IS NOT NULL)
  ORDER BY created_at LIMIT $3
), erased AS (
  UPDATE ai_requests SET prompt = NULL, response = NULL
  FROM batch WHERE ai_requests.id = batch.id
  RETURNING ai_requests.created_at
)
SELECT count(*)::int AS count, max(created_at) AS last FROM erased`;

// A task's input keeps its model (the runbook groups by it) and says it was erased; its result
// and its memoized steps (model output) go. Open tasks keep their input: the reconciler runs it.
const ERASE_TASKS = `
WITH batch AS (
  SELECT id FROM background_tasks
  WHERE created_at < $1::timestamptz AND created_at >= $2::timestamptz AND status IN (${TERMINAL})
    AND input->>'erased' IS NULL
  ORDER BY created_at LIMIT $3
), erased AS (
  UPDATE background_tasks
  SET input = jsonb_strip_nulls(jsonb_build_object('model', input->'model', 'erased', true)),
      result = NULL
  FROM batch WHERE background_tasks.id = batch.id
  RETURNING background_tasks.id, background_tasks.created_at
), steps AS (
  DELETE FROM task_steps USING erased WHERE task_steps.task_id = erased.id
)
SELECT count(*)::int AS count, max(created_at) AS last FROM erased`;

/** Runs one erase statement in batches until a batch comes back short; returns the rows. */
async function inBatches(
  database: Database,
  statement: string,
  before: Date,
  batchSize: number,
): Promise<number> {
  let total = 0;
  let cursor = new Date(0);
  for (;;) {
    const [row] = await database.query<{ count: number; last: Date | string | null }>(statement, [
      before.toISOString(),
      cursor.toISOString(),
      batchSize,
    ]);
    const count = row?.count ?? 0;
    total += count;
    if (count < batchSize || row?.last == null) return total;
    // Postgres keeps microseconds and a Date milliseconds: the cursor may fall a little short,
    // and rows already erased are skipped by the filter.
    cursor = new Date(row.last);
  }
}

/**
 * Erases the personal data of the ledger created before `before` (`PROMPT_RETENTION_DAYS`):
 * `ai_requests.prompt` and `.response` become null, and a finished task's input and result are
 * replaced by `{ model, erased: true }` and null, its memoized steps deleted. Every other column
 * stays: tokens, cost, latency, status, error codes, the runbook's queries still add up. Works in
 * batches of `batchSize` rows per statement, so no long lock is held; a second run finds nothing.
 */
export async function eraseOldPrompts(
  database: Database,
  { before, batchSize = 1_000 }: { before: Date; batchSize?: number },
): Promise<ErasedPrompts> {
  const requests = await inBatches(database, ERASE_REQUESTS, before, batchSize);
  const tasks = await inBatches(database, ERASE_TASKS, before, batchSize);
  return { requests, tasks };
}
