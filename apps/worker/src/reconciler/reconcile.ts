import { OPEN_TASK_STATUSES, type OpenTaskStatus } from '@aiq/db';
import { generationQueueName } from '@aiq/queue';
import {
  enqueueTaskJob,
  resumeReopenedTask,
  taskJobFor,
  TaskJobOutcome,
  taskJobSourceOf,
  type TaskJob,
  type TaskJobSourceColumns,
} from '@aiq/tasks';
import { ledgerStreamKey, type AttemptRecord } from '@aiq/ledger';
import type { WorkerDeps } from '../worker-deps.js';
import { recordTaskEnd } from '../processors/task-end.js';

/** What one reconciler run did. */
export interface ReconcileReport {
  /** Open tasks looked at. */
  readonly checked: number;
  /** Tasks Redis no longer held, enqueued again. */
  readonly reenqueued: number;
  /** Tasks whose job finished but whose ledger row missed it, corrected from Redis. */
  readonly repaired: number;
  /**
   * Tasks set back to `pending` while their job had ended (the runbook's bulk-retry SQL), given
   * a new run: fresh deadline, fresh attempts, `retried` on their stream.
   */
  readonly retried: number;
  /** Open tasks whose row could not be read (logged and skipped, so the rest are repaired). */
  readonly unreadable: number;
  /**
   * Set when the run compared nothing because the ledger outbox still holds writes older than
   * the grace period: Postgres is behind, so its open rows are not evidence of lost work.
   */
  readonly skipped?: 'ledger_behind';
}

/** Age of the oldest write still waiting in the ledger outbox, or 0 when it is empty. */
async function ledgerLagMs(deps: WorkerDeps): Promise<number> {
  const [oldest] = await deps.redis.xrange(
    ledgerStreamKey(deps.config.redis.prefix),
    '-',
    '+',
    'COUNT',
    1,
  );
  if (oldest === undefined) return 0;
  // Stream ids start with the epoch ms of Redis's clock when it was added: compare with that
  // clock, not this worker's, so clock skew between machines cannot fake or hide a lag.
  const [seconds, microseconds] = await deps.redis.time();
  const redisNowMs = Number(seconds) * 1_000 + Math.floor(Number(microseconds) / 1_000);
  return redisNowMs - Number(oldest[0].split('-')[0]);
}

interface OpenTaskRow extends TaskJobSourceColumns {
  status: OpenTaskStatus;
}

/** The run a job belongs to: its task's `retry_count` when it was made. */
function retryOf(job: { data: unknown }): number {
  return (job.data as { retry?: number }).retry ?? 0;
}

/** Follows a task's fallbacks to the job that holds it now. */
async function currentJob(deps: WorkerDeps, first: TaskJob) {
  let target = first;
  for (let hop = 0; hop < 10; hop += 1) {
    const job = await deps.queues[target.queue].getJob(target.payload.taskId);
    const outcome = TaskJobOutcome.safeParse(job?.returnvalue);
    if (job === undefined || !outcome.success || outcome.data.status !== 'fell-back') {
      return { target, job };
    }
    const data = job.data as { model: string; triedModels?: string[] };
    target = {
      queue: generationQueueName(deps.registry.resolve(outcome.data.toModel).provider),
      payload: {
        ...(job.data as TaskJob['payload']),
        model: outcome.data.toModel,
        triedModels: [...(data.triedModels ?? []), data.model],
      },
    };
  }
  return { target, job: undefined };
}

/**
 * Compares the ledger with Redis for open tasks older than `graceMs` and repairs the
 * difference (only once the ledger outbox has caught up to `graceMs` ago): a task Redis lost (restart without persistence, FLUSHALL, failover) is enqueued
 * again from its row; a job that finished while its ledger write was lost (a worker killed
 * between the two) is written to the ledger; a failed job whose task was reset to `pending`
 * is retried.
 */
export async function reconcile(
  deps: WorkerDeps,
  { graceMs, limit = 1_000 }: { graceMs: number; limit?: number },
): Promise<ReconcileReport> {
  // A task finished during a Postgres outage may have left Redis (completed-job retention)
  // while its `finished` write still waits in the outbox: re-enqueueing it would run it twice.
  // Every write older than the grace period must be in Postgres before its rows are trusted.
  if ((await ledgerLagMs(deps)) > graceMs) {
    return {
      checked: 0,
      reenqueued: 0,
      repaired: 0,
      retried: 0,
      unreadable: 0,
      skipped: 'ledger_behind',
    };
  }
  const rows = await deps.database.query<OpenTaskRow>(
    `SELECT id, user_id, type, input, deadline_at, retry_count, status FROM background_tasks
     WHERE status IN (${OPEN_TASK_STATUSES.map((status) => `'${status}'`).join(', ')}) AND updated_at < now() - ($1::int * interval '1 millisecond')
     ORDER BY created_at LIMIT $2`,
    [graceMs, limit],
  );
  const report = { checked: rows.length, reenqueued: 0, repaired: 0, retried: 0, unreadable: 0 };
  for (const row of rows) {
    try {
      report[await reconcileRow(deps, row)] += 1;
    } catch (error) {
      // One row that cannot be read (a model gone from the registry, malformed input) must not
      // stop the repairs of every other task.
      report.unreadable += 1;
      deps.logger.warn(
        { taskId: row.id, err: error instanceof Error ? error.message : String(error) },
        'reconciler skipped a task it cannot read',
      );
    }
  }
  return report;
}

/** Compares one open task with Redis and repairs the difference; returns what it did. */
async function reconcileRow(
  deps: WorkerDeps,
  row: OpenTaskRow,
): Promise<'reenqueued' | 'repaired' | 'retried' | 'checked'> {
  const { target, job } = await currentJob(deps, taskJobFor(taskJobSourceOf(row), deps.registry));
  if (job === undefined) {
    await enqueueTaskJob(deps.queues, target, deps.config.retry);
    return 'reenqueued';
  }
  const state = await job.getState();
  // Set back to `pending` by SQL (the runbook's bulk retry) while its job had ended, or
  // reopened by a retry whose process died before it enqueued: a new run, on the same id.
  const reopened =
    row.status === 'pending' &&
    (state === 'failed' || (state === 'completed' && retryOf(job) < row.retry_count));
  if (reopened) return (await resumeReopenedTask(deps, row.id, job)) ? 'retried' : 'checked';
  if (state === 'completed') {
    // Read the job again: the copy above may predate its completion (no return value yet).
    const finished = await deps.queues[target.queue].getJob(row.id);
    const parsed = TaskJobOutcome.safeParse(finished?.returnvalue);
    if (!parsed.success) return 'checked'; // no return value yet: next run
    const outcome = parsed.data;
    if (outcome.status === 'fell-back') return 'checked'; // followed by currentJob
    const common = { kind: 'finished', taskId: row.id, retry: retryOf(job) } as const;
    const at = finished?.finishedOn ?? Date.now();
    if ('recorded' in outcome) {
      // The job appended its `finished` write to the outbox before it finished, and the outbox
      // has caught up: the write is in Postgres or was dropped at the outbox's bound. Redis does
      // not hold the output, so nothing is repaired here; once the job leaves Redis
      // (JOBS_KEEP_COMPLETED_*) a task still open is enqueued again, as for any lost job.
      return 'checked';
    }
    if (outcome.status === 'cancelled') {
      await deps.ledger.updateTask({ ...common, status: 'cancelled', errorCode: 'cancelled', at });
    } else if ('result' in outcome) {
      await recordTaskEnd(deps, { ...common, status: 'completed', result: outcome.result, at });
    } else {
      const { record, ...result } = outcome;
      // Stored once (deterministic id); the job wrote it in the shape the ledger writer made.
      if (record !== undefined) await deps.ledger.recordAttempt(record as unknown as AttemptRecord);
      await recordTaskEnd(deps, { ...common, status: 'completed', result, at });
    }
    return 'repaired';
  }
  if (state === 'failed') {
    await recordTaskEnd(deps, {
      kind: 'finished',
      taskId: row.id,
      retry: retryOf(job),
      status: 'failed',
      errorCode: 'internal_error',
      errorMessage: job.failedReason,
      at: job.finishedOn ?? Date.now(),
    });
    return 'repaired';
  }
  return 'checked';
}
