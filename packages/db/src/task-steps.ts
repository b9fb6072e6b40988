import { and, eq } from 'drizzle-orm';
import type { Database } from './database.js';
import { makePostgresSafe } from './postgres-safe.js';
import { taskSteps } from './schema.js';

/** The finished steps of a task, by step name. */
export async function loadTaskSteps(
  database: Database,
  taskId: string,
): Promise<ReadonlyMap<string, unknown>> {
  const rows = await database.db
    .select({ step: taskSteps.step, output: taskSteps.output })
    .from(taskSteps)
    .where(eq(taskSteps.taskId, taskId));
  return new Map(rows.map((row) => [row.step, row.output]));
}

/**
 * Records a finished step. The first write wins: a step re-run by a recovered worker keeps the
 * output that was recorded first, so every later step builds on the same value.
 * @returns the recorded output (the earlier one when the step was already recorded)
 */
export async function saveTaskStep(
  database: Database,
  taskId: string,
  step: string,
  output: unknown,
): Promise<unknown> {
  // A step's output is model text: it may hold what Postgres refuses.
  const inserted = await database.db
    .insert(taskSteps)
    .values({ taskId, step, output: makePostgresSafe(output) })
    .onConflictDoNothing()
    .returning({ output: taskSteps.output });
  if (inserted[0] !== undefined) return inserted[0].output;
  const existing = await database.db
    .select({ output: taskSteps.output })
    .from(taskSteps)
    .where(and(eq(taskSteps.taskId, taskId), eq(taskSteps.step, step)));
  return existing[0]?.output;
}
