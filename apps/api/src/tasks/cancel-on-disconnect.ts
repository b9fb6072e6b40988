import type { Logger } from '@aiq/logger';
import { cancelTask } from '@aiq/tasks';
import type { ApiDeps } from '../api-deps.js';

/**
 * Cancels a task whose client left before its end (when the request asked for that), or whose
 * stream aiq had to end. Logs instead of throwing: nobody is left to answer.
 */
export async function cancelOnDisconnect(
  deps: ApiDeps,
  taskId: string,
  logger: Logger,
  reason = 'the client disconnected',
): Promise<void> {
  try {
    await cancelTask(
      { ...deps, prefix: deps.config.redis.prefix, events: deps.events },
      taskId,
      reason,
    );
  } catch (error) {
    logger.warn({ err: (error as Error).message, taskId }, 'cancel on disconnect failed');
  }
}
