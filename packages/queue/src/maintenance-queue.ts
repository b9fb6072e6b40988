import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The queue of fleet-wide housekeeping (the reconciler's job scheduler). Kept out of
 * `queueCatalog`: it holds no tasks, so the API's queue listings and Bull Board stay about work.
 */
export const MAINTENANCE_QUEUE_NAME = 'maintenance';

/** The job scheduler id (and job name) of the reconciler. */
export const RECONCILE_JOB_NAME = 'reconcile';

/** The job scheduler id (and job name) of the retention sweep (old jobs, dead letters, prompts). */
export const RETENTION_JOB_NAME = 'retention';

/** The job scheduler id (and job name) of the daily token-usage check (runbook Prevention §4). */
export const TOKEN_USAGE_JOB_NAME = 'token-usage';

/** Opens the maintenance queue (producer side). */
export function createMaintenanceQueue(connection: Redis, prefix: string): Queue {
  return new Queue(MAINTENANCE_QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  });
}
