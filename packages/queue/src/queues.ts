import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueCatalog, queueNames, type JobPayload, type QueueName } from './catalog.js';
import { DEFAULT_QUEUE_RETENTION, queueRetention, type QueueRetention } from './queue-retention.js';

/** One BullMQ Queue (producer side) per catalog entry. */
export type Queues = { readonly [Name in QueueName]: Queue };

/**
 * Opens every queue of the catalog on one connection under one prefix. Every job added through
 * them is kept after it ends as `retention` says (`config.retention`).
 */
export function createQueues(
  connection: Redis,
  prefix: string,
  retention: QueueRetention = DEFAULT_QUEUE_RETENTION,
): Queues {
  const entries = queueNames.map((name) => [
    name,
    new Queue(name, {
      connection,
      prefix,
      defaultJobOptions: { ...queueCatalog[name].jobOptions, ...queueRetention(name, retention) },
    }),
  ]);
  return Object.fromEntries(entries) as Queues;
}

/** Closes every queue; the connection stays open for its owner to close. */
export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

/**
 * Validates a payload against the catalog and adds it with job id = task id, so a second
 * enqueue of the same task (a retried request, the reconciler) is a no-op.
 */
export async function enqueue<Q extends QueueName>(
  queues: Queues,
  name: Q,
  payload: JobPayload<Q>,
  options: Pick<JobsOptions, 'attempts' | 'backoff' | 'delay' | 'jobId'> = {},
) {
  const data = queueCatalog[name].schema.parse(payload);
  return queues[name].add(name, data, {
    ...queueCatalog[name].jobOptions,
    jobId: data.taskId,
    ...options,
  });
}
