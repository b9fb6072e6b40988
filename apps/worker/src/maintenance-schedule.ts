import type { Logger } from '@aiq/logger';
import type { Queue } from 'bullmq';

/** One fleet-wide housekeeping job: its scheduler id (also the job's name) and its interval. */
export interface MaintenanceSchedule {
  readonly name: string;
  readonly intervalMs: number;
}

/**
 * Keeps the maintenance jobs' schedulers (the reconciler, the retention sweep) in Redis and the
 * maintenance queue at one job at a time across the fleet (BullMQ global concurrency), so one
 * worker runs each, however many there are. Both live in Redis, so a FLUSHALL erases them:
 * every maintenance worker checks on an interval and puts them back.
 * @returns a function that stops the checks
 */
export function keepMaintenanceScheduled(
  queue: Queue,
  schedules: readonly MaintenanceSchedule[],
  { logger }: { logger: Logger },
): () => void {
  let stopped = false;
  const ensure = async ({ name, intervalMs }: MaintenanceSchedule) => {
    if ((await queue.getJobScheduler(name)) !== undefined) return;
    await queue.setGlobalConcurrency(1);
    await queue.upsertJobScheduler(name, { every: intervalMs }, { name, data: {} });
    logger.info({ job: name, intervalMs }, 'maintenance job scheduled');
  };
  const tick = () => {
    if (stopped) return;
    for (const schedule of schedules) {
      ensure(schedule).catch((error: unknown) =>
        logger.warn({ err: error, job: schedule.name }, 'could not schedule a maintenance job'),
      );
    }
  };
  tick();
  const timer = setInterval(tick, Math.min(...schedules.map((schedule) => schedule.intervalMs)));
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
