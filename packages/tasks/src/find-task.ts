import { backgroundTasks, type Database } from '@aiq/db';
import { eq } from 'drizzle-orm';
import type { TaskRow } from './task-row.js';

/** One task by id, or undefined. Access checks are the caller's. */
export async function findTask(database: Database, taskId: string): Promise<TaskRow | undefined> {
  const [row] = await database.db
    .select()
    .from(backgroundTasks)
    .where(eq(backgroundTasks.id, taskId));
  return row;
}
