import { aiRequests, type Database } from '@aiq/db';
import { inArray, sql } from 'drizzle-orm';

/**
 * What each task cost so far in USD: the sum of `cost_usd` over its `ai_requests` rows (every
 * attempt, step and candidate, failed ones included). A task without priced rows is absent.
 * One grouped query on `ai_requests_task_id_idx`, however many tasks.
 */
export async function taskCosts(
  database: Database,
  taskIds: readonly string[],
): Promise<Map<string, number>> {
  if (taskIds.length === 0) return new Map();
  const rows = await database.db
    .select({ taskId: aiRequests.taskId, cost: sql<string | null>`sum(${aiRequests.costUsd})` })
    .from(aiRequests)
    .where(inArray(aiRequests.taskId, [...taskIds]))
    .groupBy(aiRequests.taskId);
  const costs = new Map<string, number>();
  for (const row of rows) {
    if (row.taskId !== null && row.cost !== null) costs.set(row.taskId, Number(row.cost));
  }
  return costs;
}
