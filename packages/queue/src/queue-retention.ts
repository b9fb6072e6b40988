import type { Config } from '@aiq/config';
import type { JobsOptions, Queue } from 'bullmq';
import { queueNames, type QueueName } from './catalog.js';
import type { Queues } from './queues.js';

/** What Redis keeps of finished jobs (`config.retention`). */
export type QueueRetention = Pick<
  Config['retention'],
  'completedJobs' | 'failedJobs' | 'deadLetters'
>;

/**
 * The defaults of `JOBS_KEEP_*` and `DEAD_LETTER_KEEP_*`: completed jobs an hour (Bull Board,
 * idempotent re-submits), failed ones a week for inspection, dead letters 30 days for `aiq dlq`
 * replay, and at most 10 000 of each (Sidekiq's dead set: 10 000 jobs, a bounded age). The
 * ledger in Postgres keeps every task whatever Redis drops.
 */
export const DEFAULT_QUEUE_RETENTION: QueueRetention = {
  completedJobs: { ageSeconds: 3_600, count: 10_000 },
  failedJobs: { ageSeconds: 604_800, count: 10_000 },
  deadLetters: { ageSeconds: 2_592_000, count: 10_000 },
};

/**
 * BullMQ's `removeOnComplete`/`removeOnFail` for a queue: age and count, as BullMQ's
 * "going to production" guide advises, so Redis under `noeviction` cannot fill with finished
 * jobs. BullMQ applies them when a later job finishes; the worker's retention sweep
 * (`cleanFinishedJobs`) applies them to an idle queue too.
 */
export function queueRetention(name: QueueName, retention: QueueRetention): JobsOptions {
  if (name === 'dead-letter') {
    const kept = { age: retention.deadLetters.ageSeconds, count: retention.deadLetters.count };
    return { removeOnComplete: kept, removeOnFail: kept };
  }
  return {
    removeOnComplete: {
      age: retention.completedJobs.ageSeconds,
      count: retention.completedJobs.count,
    },
    removeOnFail: { age: retention.failedJobs.ageSeconds, count: retention.failedJobs.count },
  };
}

/** Jobs removed per `Queue.clean` call: each is one Lua script, so Redis is never held long. */
const CLEAN_BATCH = 1_000;

/** Removes the finished jobs of one state older than `ageMs`, in batches; returns how many. */
async function cleanOlderThan(queue: Queue, ageMs: number, state: 'completed' | 'failed') {
  let removed = 0;
  for (;;) {
    const batch = await queue.clean(ageMs, CLEAN_BATCH, state);
    removed += batch.length;
    if (batch.length < CLEAN_BATCH) return removed;
  }
}

/**
 * Removes finished jobs past their retention age from every queue (dead letters included). BullMQ
 * applies `removeOnComplete`/`removeOnFail` only when a later job of the queue finishes, so a
 * queue that went quiet would keep its last jobs, and their payloads, for ever; the worker's
 * retention sweep calls this on a schedule. An entry still waiting or active is never touched.
 * @returns jobs removed per queue
 */
export async function cleanFinishedJobs(
  queues: Queues,
  retention: QueueRetention,
): Promise<Record<QueueName, number>> {
  const removed = await Promise.all(
    queueNames.map(async (name) => {
      const [completed, failed] =
        name === 'dead-letter'
          ? [retention.deadLetters, retention.deadLetters]
          : [retention.completedJobs, retention.failedJobs];
      const queue = queues[name];
      const count =
        (await cleanOlderThan(queue, completed.ageSeconds * 1_000, 'completed')) +
        (await cleanOlderThan(queue, failed.ageSeconds * 1_000, 'failed'));
      return [name, count] as const;
    }),
  );
  return Object.fromEntries(removed) as Record<QueueName, number>;
}
