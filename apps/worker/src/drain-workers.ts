import type { Logger } from '@aiq/logger';
import type { Worker } from 'bullmq';
import { ABORT_REASON } from './abort-reason.js';

/**
 * Graceful stop: the workers take no new jobs and active ones get `graceMs` to finish. Jobs
 * still running then are aborted with reason `shutdown`; their processors hand them back to
 * the queue (no attempt charged) so another worker picks them up at once. No lock is left.
 */
export async function drainWorkers(
  workers: readonly Worker[],
  { graceMs, logger }: { graceMs: number; logger: Logger },
): Promise<void> {
  const closing = Promise.all(workers.map((worker) => worker.close(graceMs === 0)));
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), graceMs);
  });
  const outcome = await Promise.race([closing.then(() => 'drained' as const), expired]);
  clearTimeout(timer);
  if (outcome === 'expired') {
    logger.warn({ graceMs }, 'grace period over: handing the remaining jobs back to the queue');
    for (const worker of workers) worker.cancelAllJobs(ABORT_REASON.shutdown);
    await closing;
  }
}
