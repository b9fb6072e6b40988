import type { Config } from '@aiq/config';
import { RETRYABLE_TASK_STATUSES, type Database, type TaskStatus } from '@aiq/db';
import type { TaskEventPublisher } from '@aiq/events';
import type { ModelRegistry } from '@aiq/providers';
import {
  deadLetterJobId,
  DeadLetterJob,
  queueCatalog,
  retryJobOptions,
  type QueueName,
  type Queues,
} from '@aiq/queue';
import type { Job } from 'bullmq';
import { recordOperatorAction, type Actor } from './operator-actions.js';
import { taskDeadline } from './submit-task.js';
import {
  enqueueTaskJob,
  jobKindOf,
  taskJobFor,
  taskJobSourceOf,
  type TaskJob,
  type TaskJobSource,
  type TaskJobSourceColumns,
} from './task-job.js';
import { GENERATION_TASK_TYPE } from './task-catalog.js';

/** What a retry needs: the same as a submission. */
export interface RetryDeps {
  readonly database: Database;
  readonly queues: Queues;
  readonly registry: ModelRegistry;
  readonly config: Pick<Config, 'timeouts' | 'retry'>;
  /** Publishes `retried`; absent, nothing is published. */
  readonly events?: TaskEventPublisher;
}

/** What a retry did to one task. */
export type RetryOutcome =
  | {
      readonly taskId: string;
      readonly result: 'retried';
      /** The task's `retry_count` now. */
      readonly retryCount: number;
      readonly queue: QueueName;
    }
  /** Already pending or running (a second retry, or one raced by another door): nothing changed. */
  | { readonly taskId: string; readonly result: 'open'; readonly status: TaskStatus }
  /** Completed or cancelled: a retry reopens only failed and timed-out tasks. */
  | { readonly taskId: string; readonly result: 'not_retryable'; readonly status: TaskStatus }
  | { readonly taskId: string; readonly result: 'not_found' };

/** A reopened row, with what it was before (to put back if its job cannot be enqueued). */
interface ReopenedRow extends TaskJobSource {
  readonly previous: Record<string, unknown>;
}

interface RawReopenedRow extends TaskJobSourceColumns {
  previous: Record<string, unknown>;
}

const TASK_QUEUES = (Object.keys(queueCatalog) as QueueName[]).filter(
  (name) => name !== 'dead-letter',
);
const GENERATION_QUEUES = TASK_QUEUES.filter((name) => name !== 'background-task');
/** Tasks reopened per statement and enqueued per pipeline. */
const CHUNK = 1_000;

function freshDeadlines(config: RetryDeps['config'], now: number) {
  return {
    generation: taskDeadline(config, 'generate', now),
    background: taskDeadline(config, 'background', now),
  };
}

/**
 * The transition `failed | timeout → pending` for many tasks in one statement: `retry_count + 1`,
 * a fresh deadline from now, the run's attempts and error cleared. Rows in any other status are
 * left alone (a second retry, or a race with another door, changes nothing).
 */
async function reopenRows(deps: RetryDeps, taskIds: readonly string[]): Promise<ReopenedRow[]> {
  const deadlines = freshDeadlines(deps.config, Date.now());
  const rows = await deps.database.query<RawReopenedRow>(
    `WITH previous AS (
       SELECT id, status, error_code, error_message, result, started_at, completed_at, attempts,
              deadline_at, updated_at
       FROM background_tasks
       WHERE id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))
         AND status IN (${RETRYABLE_TASK_STATUSES.map((status) => `'${status}'`).join(', ')})
       FOR UPDATE
     )
     UPDATE background_tasks AS task
     SET status = 'pending', retry_count = task.retry_count + 1, attempts = 0,
         deadline_at = CASE WHEN task.type = $2 THEN $3::timestamptz ELSE $4::timestamptz END,
         error_code = NULL, error_message = NULL, result = NULL, started_at = NULL,
         completed_at = NULL, updated_at = now()
     FROM previous
     WHERE task.id = previous.id
     RETURNING task.id, task.user_id, task.type, task.input, task.deadline_at, task.retry_count,
               to_jsonb(previous) AS previous`,
    [
      JSON.stringify(taskIds),
      GENERATION_TASK_TYPE,
      deadlines.generation.toISOString(),
      deadlines.background.toISOString(),
    ],
  );
  return rows.map((row) => ({ ...taskJobSourceOf(row), previous: row.previous }));
}

/** Undoes {@link reopenRows} for tasks whose job could not be enqueued: as if never retried. */
async function restoreRows(deps: RetryDeps, rows: readonly ReopenedRow[]): Promise<void> {
  await deps.database.query(
    `UPDATE background_tasks AS task
     SET status = previous.status, retry_count = task.retry_count - 1,
         error_code = previous.error_code, error_message = previous.error_message,
         result = previous.result, started_at = previous.started_at,
         completed_at = previous.completed_at, attempts = previous.attempts,
         deadline_at = previous.deadline_at, updated_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS previous(
       id uuid, status text, error_code text, error_message text, result jsonb,
       started_at timestamptz, completed_at timestamptz, attempts int, deadline_at timestamptz,
       retry_count int)
     WHERE task.id = previous.id AND task.status = 'pending' AND task.retry_count = previous.retry_count`,
    [JSON.stringify(rows.map((row) => ({ ...row.previous, retry_count: row.retryCount })))],
  );
}

/** Marks the dead-letter entry of a task's previous run replayed, when there is one. */
async function markDeadLetterReplayed(
  queues: Queues,
  taskId: string,
  previousRetry: number,
  actor: Actor,
): Promise<void> {
  const entry = await queues['dead-letter'].getJob(deadLetterJobId(taskId, previousRetry));
  if (entry === undefined) return;
  const data = DeadLetterJob.parse(entry.data);
  if (data.replayed !== undefined) return;
  await entry.updateData({ ...data, replayed: { at: Date.now(), by: actor.by, door: actor.door } });
}

/**
 * Removes the job of a task's previous run from `queue`. A finished one (failed, or completed as
 * `fell-back`) goes, and a missing one counts as gone. One still locked by a worker (reporting
 * its end right now) stays: that task is left as it was, to retry in a moment. A job of the run
 * being started stays too (`current`): the reconciler queued it from the reopened row while this
 * retry was held up past its grace, and removing it would run the task twice. The reconciler
 * adds a job only where none is, so once the previous run's job is gone either door's add makes
 * the one job of the new run.
 */
async function removePreviousRun(
  queue: Queues[QueueName],
  row: TaskJobSource,
): Promise<'gone' | 'locked' | 'current'> {
  const job = await queue.getJob(row.id);
  if (job === undefined) return 'gone';
  if (((job.data as { retry?: number }).retry ?? 0) >= row.retryCount) return 'current';
  return (await queue.remove(row.id)) === 1 ? 'gone' : 'locked';
}

/**
 * Gives each reopened task a fresh job on its first choice's queue (job id = task id, a fresh
 * attempt budget), after removing the jobs of its previous run and announcing `retried`.
 * Returns the jobs a queue refused (Redis went away mid-way): their tasks must be put back.
 */
async function replaceJobs(
  deps: RetryDeps,
  tasks: readonly { row: TaskJobSource; previousRetry: number }[],
  actor: Actor,
): Promise<{ busy: ReadonlySet<string>; failed: { job: TaskJob; error: unknown }[] }> {
  const busy = new Set<string>();
  const queuedAlready = new Set<string>();
  await Promise.all(
    tasks.map(async ({ row, previousRetry }) => {
      const queues = row.type === GENERATION_TASK_TYPE ? GENERATION_QUEUES : ['background-task'];
      const removed = await Promise.all(
        queues.map((name) => removePreviousRun(deps.queues[name as QueueName], row)),
      );
      if (removed.includes('current')) {
        queuedAlready.add(row.id);
        return;
      }
      if (removed.includes('locked')) {
        busy.add(row.id);
        return;
      }
      await markDeadLetterReplayed(deps.queues, row.id, previousRetry, actor);
      // Before the job exists, so `retried` always comes before the new run's `started`.
      await deps.events?.publish(row.id, {
        type: 'retried',
        retryCount: row.retryCount,
        door: actor.door,
        by: actor.by,
      });
    }),
  );
  const jobs = tasks
    .filter(({ row }) => !busy.has(row.id) && !queuedAlready.has(row.id))
    .map(({ row }) => taskJobFor(row, deps.registry));
  const byQueue = new Map<QueueName, TaskJob[]>();
  // A flow (an ensemble: its children went with the parent's removal) is added whole, alone.
  const flows = jobs.filter((job) => job.children !== undefined);
  for (const job of jobs.filter((single) => single.children === undefined)) {
    byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
  }
  const added: PromiseSettledResult<unknown>[] = await Promise.allSettled(
    [...byQueue].map(([name, queued]) => {
      const definition = queueCatalog[name];
      const options = retryJobOptions(deps.config.retry[jobKindOf(name)]);
      return deps.queues[name].addBulk(
        queued.map((job) => ({
          name,
          data: definition.schema.parse(job.payload),
          opts: { ...definition.jobOptions, ...options, jobId: job.payload.taskId },
        })),
      );
    }),
  );
  added.push(
    ...(await Promise.allSettled(
      flows.map((flow) => enqueueTaskJob(deps.queues, flow, deps.config.retry)),
    )),
  );
  const queues = [...byQueue.values(), ...flows.map((flow) => [flow])];
  const failed = added.flatMap((result, index) =>
    result.status === 'rejected'
      ? [{ jobs: queues[index] ?? [], error: result.reason as unknown }]
      : [],
  );
  return {
    busy,
    failed: failed.flatMap(({ jobs: lost, error }) =>
      lost.map((job): { job: TaskJob; error: unknown } => ({ job, error })),
    ),
  };
}

/** Why tasks that were asked for were not reopened. */
async function outcomesOfUnchanged(
  deps: RetryDeps,
  taskIds: readonly string[],
): Promise<RetryOutcome[]> {
  if (taskIds.length === 0) return [];
  const rows = await deps.database.query<{ id: string; status: TaskStatus }>(
    `SELECT id, status FROM background_tasks
     WHERE id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(taskIds)],
  );
  const statuses = new Map(rows.map((row) => [row.id, row.status]));
  return taskIds.map((taskId): RetryOutcome => {
    const status = statuses.get(taskId);
    if (status === undefined) return { taskId, result: 'not_found' };
    if (status === 'pending' || status === 'processing') return { taskId, result: 'open', status };
    return { taskId, result: 'not_retryable', status };
  });
}

/** Options of {@link retryTasks}. */
export interface RetryOptions {
  /** Audit row written for the call; absent, the caller audits (a bulk retry writes one). */
  readonly audit?: boolean;
  /** Called after each chunk with the tasks done so far. */
  readonly onProgress?: (done: number) => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Retries tasks on their own ids, the same from every door: each failed or timed-out task is set
 * `pending` with `retry_count + 1`, a fresh deadline and a fresh attempt budget; its previous
 * run's jobs are replaced by a new one; `retried` is appended to its event stream; its
 * dead-letter entry is marked replayed. For each task both the ledger reopen and the enqueue
 * happen, or neither (a failed enqueue puts the row back, and so does a job still locked by the
 * worker reporting its end, reported as `open`). Open, completed and cancelled tasks
 * are reported and left alone, so a second call changes nothing.
 */
export async function retryTasks(
  deps: RetryDeps,
  taskIds: readonly string[],
  actor: Actor,
  { audit = true, onProgress }: RetryOptions = {},
): Promise<RetryOutcome[]> {
  const ids = [...new Set(taskIds)];
  const outcomes: RetryOutcome[] = ids
    .filter((id) => !UUID.test(id))
    .map((taskId) => ({ taskId, result: 'not_found' }));
  const valid = ids.filter((id) => UUID.test(id));
  for (let start = 0; start < valid.length; start += CHUNK) {
    const chunk = valid.slice(start, start + CHUNK);
    const reopened = await reopenRows(deps, chunk);
    let failed: { job: TaskJob; error: unknown }[];
    let busy: ReadonlySet<string> = new Set();
    try {
      ({ failed, busy } = await replaceJobs(
        deps,
        reopened.map((row) => ({ row, previousRetry: row.retryCount - 1 })),
        actor,
      ));
    } catch (error) {
      failed = reopened.map((row) => ({ job: taskJobFor(row, deps.registry), error }));
    }
    if (busy.size > 0) {
      await restoreRows(
        deps,
        reopened.filter((row) => busy.has(row.id)),
      );
      for (const taskId of busy) outcomes.push({ taskId, result: 'open', status: 'processing' });
    }
    const lost = new Set(failed.map(({ job }) => job.payload.taskId));
    if (lost.size > 0) {
      // Neither half of the retry for these: the row as it was, and the stream told so.
      await restoreRows(
        deps,
        reopened.filter((row) => lost.has(row.id)),
      );
      const { events } = deps;
      if (events !== undefined) {
        await Promise.all(
          [...lost].map((taskId) =>
            events.publish(taskId, {
              type: 'error',
              code: 'not_enqueued',
              message: 'The retry could not be enqueued; the task is as it was before',
              retryable: true,
            }),
          ),
        );
      }
      throw failed[0]?.error;
    }
    for (const row of reopened.filter((candidate) => !busy.has(candidate.id))) {
      const job = taskJobFor(row, deps.registry);
      outcomes.push({
        taskId: row.id,
        result: 'retried',
        retryCount: row.retryCount,
        queue: job.queue,
      });
    }
    const reopenedIds = new Set(reopened.map((row) => row.id));
    outcomes.push(
      ...(await outcomesOfUnchanged(
        deps,
        chunk.filter((id) => !reopenedIds.has(id)),
      )),
    );
    onProgress?.(Math.min(start + CHUNK, valid.length));
  }
  if (audit) {
    const changed = outcomes.filter((outcome) => outcome.result === 'retried').length;
    await recordOperatorAction(deps.database, {
      ...actor,
      action: 'retry',
      taskIds: ids,
      matched: ids.length,
      changed,
      skipped: ids.length - changed,
    });
  }
  return outcomes;
}

/** Retries one task; see {@link retryTasks}. */
export async function retryTask(
  deps: RetryDeps,
  taskId: string,
  actor: Actor,
): Promise<RetryOutcome> {
  const [outcome] = await retryTasks(deps, [taskId], actor);
  if (outcome === undefined) throw new Error('retryTasks returned no outcome');
  return outcome;
}

/**
 * The reconciler's half of a retry made by SQL (the runbook's bulk retry: `status = 'pending'`,
 * `retry_count + 1`): the row is open but its job has ended. Gives it a fresh deadline and
 * attempt budget and a new job, announces `retried` and audits it. `endedJob` is the job of the
 * run that ended. Returns false when the row changed meanwhile (nothing done).
 */
export async function resumeReopenedTask(
  deps: RetryDeps,
  taskId: string,
  endedJob: Pick<Job, 'data'>,
): Promise<boolean> {
  const endedRetry = (endedJob.data as { retry?: number }).retry ?? 0;
  const deadlines = freshDeadlines(deps.config, Date.now());
  // A SQL retry that left retry_count alone still starts a new run: its ledger ids must differ.
  const [row] = await deps.database.query<TaskJobSourceColumns>(
    `UPDATE background_tasks
     SET retry_count = GREATEST(retry_count, $2::int + 1), attempts = 0,
         deadline_at = CASE WHEN type = $3 THEN $4::timestamptz ELSE $5::timestamptz END,
         error_code = NULL, error_message = NULL, result = NULL, started_at = NULL,
         completed_at = NULL, updated_at = now()
     WHERE id = $1 AND status = 'pending'
     RETURNING id, user_id, type, input, deadline_at, retry_count`,
    [
      taskId,
      endedRetry,
      GENERATION_TASK_TYPE,
      deadlines.generation.toISOString(),
      deadlines.background.toISOString(),
    ],
  );
  if (row === undefined) return false;
  const source = taskJobSourceOf(row);
  const actor: Actor = { door: 'sql', by: 'database' };
  const { failed } = await replaceJobs(deps, [{ row: source, previousRetry: endedRetry }], actor);
  // The row stays pending: the next reconciler run enqueues it from the row.
  if (failed[0] !== undefined) throw failed[0].error;
  await recordOperatorAction(deps.database, {
    ...actor,
    action: 'retry',
    taskIds: [taskId],
    matched: 1,
    changed: 1,
    skipped: 0,
  });
  return true;
}
