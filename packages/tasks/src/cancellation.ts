import { backgroundTasks, OPEN_TASK_STATUSES, type Database } from '@aiq/db';
import type { TaskEventPublisher } from '@aiq/events';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { queueNames, type Queues } from '@aiq/queue';
import { claimTaskEnd } from './task-end.js';

/** The pub/sub channel every worker listens on for cancellations (message: the task id). */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/**
 * Marks a task cancelled for workers that pick it up later (a job that was active when the
 * message went out, or that a recovered worker re-runs). Lives a day.
 */
export function cancelKey(prefix: string, taskId: string): string {
  return `${prefix}:cancelled:${taskId}`;
}

/** What {@link cancelTask} needs. */
export interface CancelDeps {
  readonly database: Database;
  readonly queues: Queues;
  /** A producer connection (not in subscriber mode). */
  readonly redis: Redis;
  readonly prefix: string;
  readonly events?: TaskEventPublisher;
}

/** The outcome of a cancellation. */
export interface CancelResult {
  /** False when the task was already finished (or does not exist): nothing changed. */
  readonly cancelled: boolean;
}

/**
 * Cancels a task wherever it is: marks it `cancelled` in the ledger (only if still pending or
 * processing, and only if its worker has not ended it first: {@link claimTaskEnd}), removes its
 * job if it is still waiting, and tells every worker over pub/sub so the one running it aborts
 * the provider call (within a second: a pub/sub hop and an abort).
 */
export async function cancelTask(
  { database, queues, redis, prefix, events }: CancelDeps,
  taskId: string,
  reason = 'cancelled by the user',
): Promise<CancelResult> {
  const open = and(
    eq(backgroundTasks.id, taskId),
    inArray(backgroundTasks.status, [...OPEN_TASK_STATUSES]),
  );
  const [row] = await database.db
    .select({ run: backgroundTasks.retryCount })
    .from(backgroundTasks)
    .where(open);
  if (row === undefined) return { cancelled: false };
  // A worker that finished first holds the claim while its end waits in the ledger outbox.
  if (!(await claimTaskEnd(redis, prefix, { taskId, run: row.run, party: 'cancel' }))) {
    return { cancelled: false };
  }
  const updated = await database.db
    .update(backgroundTasks)
    .set({
      status: 'cancelled',
      errorCode: 'cancelled',
      errorMessage: reason,
      completedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(and(open, eq(backgroundTasks.retryCount, row.run)))
    .returning({ id: backgroundTasks.id });
  if (updated.length === 0) return { cancelled: false }; // retried meanwhile: a new run

  await redis.set(cancelKey(prefix, taskId), reason, 'EX', 86_400);
  await redis.publish(cancelChannel(prefix), taskId);
  // Waiting or delayed jobs go at once; an active one is locked and stays for its worker to end.
  await Promise.all(
    queueNames
      .filter((name) => name !== 'dead-letter')
      .map((name) => queues[name].remove(taskId).catch(() => 0)),
  );
  await events?.publish(taskId, { type: 'cancelled', reason }, { run: row.run });
  return { cancelled: true };
}
