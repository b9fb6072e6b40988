import type { Logger } from '@aiq/logger';
import { cancelChannel } from '@aiq/tasks';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ABORT_REASON } from './abort-reason.js';

/**
 * Listens for cancellations and aborts the job's signal on whichever of this process's workers
 * holds it; the processor ends the provider call and completes the job as cancelled.
 * @returns a function that stops listening and closes the subscriber connection
 */
export async function listenForCancellations(
  redis: Redis,
  {
    prefix,
    workers,
    logger,
    childJobIds = () => [],
  }: {
    prefix: string;
    workers: readonly Worker[];
    logger: Logger;
    /** The ids a task's child jobs may have (an ensemble's candidates), cancelled with it. */
    childJobIds?: (taskId: string) => readonly string[];
  },
): Promise<() => Promise<void>> {
  const subscriber = redis.duplicate({ connectionName: 'aiq-worker-cancel' });
  subscriber.on('error', (error) => logger.warn({ err: error.message }, 'cancel subscriber error'));
  subscriber.on('message', (_channel: string, taskId: string) => {
    const jobIds = [taskId, ...childJobIds(taskId)];
    for (const worker of workers) {
      for (const jobId of jobIds) {
        if (worker.cancelJob(jobId, ABORT_REASON.cancelled)) {
          logger.info({ taskId, jobId, queue: worker.name }, 'cancelling the running job');
        }
      }
    }
  });
  await subscriber.subscribe(cancelChannel(prefix));
  return async () => {
    if (subscriber.status === 'ready') await subscriber.quit();
    else subscriber.disconnect();
  };
}
