import type { Logger } from '@aiq/logger';
import { RECONCILE_JOB_NAME } from '@aiq/queue';
import type { Queue } from 'bullmq';

/**
 * Keeps the reconciler's job scheduler in Redis and the maintenance queue at one job at a time
 * across the fleet (BullMQ global concurrency). Both live in Redis, so a FLUSHALL erases them:
 * every maintenance worker checks on an interval and puts them back.
 * @returns a function that stops the checks
 */
export function keepReconcileScheduled(
  queue: Queue,
  { intervalMs, logger }: { intervalMs: number; logger: Logger },
): () => void {
  let stopped = false;
  const ensure = async () => {
    if ((await queue.getJobScheduler(RECONCILE_JOB_NAME)) !== undefined) return;
    await queue.setGlobalConcurrency(1);
    await queue.upsertJobScheduler(
      RECONCILE_JOB_NAME,
      { every: intervalMs },
      { name: RECONCILE_JOB_NAME, data: {} },
    );
    logger.info({ intervalMs }, 'reconciler scheduled');
  };
  const tick = () => {
    if (stopped) return;
    ensure().catch((error: unknown) =>
      logger.warn({ err: error }, 'could not schedule the reconciler'),
    );
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
