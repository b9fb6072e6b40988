import { findTask, type TaskRow } from '@aiq/tasks';
import type { Database } from '@aiq/db';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';

/**
 * The task if the caller may see it: their own, or any for an operator. Another user's task
 * answers exactly like a missing one (404), so ids cannot be probed.
 */
export async function findTaskFor(
  database: Database,
  taskId: string,
  user: AppEnv['Variables']['user'],
): Promise<TaskRow> {
  const row = await findTask(database, taskId);
  if (row === undefined || (row.userId !== user.id && user.role !== 'operator')) {
    throw new ApiError(404, 'task_not_found', `No task ${taskId}`);
  }
  return row;
}
