import type { Database } from '@aiq/db';
import { DeadLetterJob, deadLetterJobId, type Queues } from '@aiq/queue';
import type { JobType, Queue } from 'bullmq';
import { recordOperatorAction, type Actor } from './operator-actions.js';
import { retryTasks, type RetryDeps, type RetryOutcome } from './retry-task.js';

/**
 * Where an entry is in the `dead-letter` queue: `completed` once the worker's dead-letter
 * processor recorded it in the ledger, `waiting` while no worker has taken it yet, `failed`
 * when that processor failed (the entry is kept all the same).
 */
export type DeadLetterState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

/** One dead-letter entry: a run of a task that failed for good, with its payload and errors. */
export type DeadLetter = DeadLetterJob & {
  /** The entry's job id: the task id for its first run, `<taskId>-r<run>` after. */
  readonly id: string;
  readonly state: DeadLetterState;
};

/** What reading and purging dead letters needs; replaying needs {@link RetryDeps}. */
export interface DeadLetterDeps {
  readonly database: Database;
  readonly queues: Queues;
}

/** Which entries a replay takes: named tasks, or every entry not replayed yet. */
export type DeadLetterSelection =
  | { readonly taskIds: readonly string[] }
  | {
      readonly all: true;
      /** Only entries dead-lettered within this many milliseconds. */
      readonly sinceMs?: number;
    };

/** What a replay did to one task: a retry's outcome, or why there was nothing to replay. */
export type ReplayOutcome =
  | RetryOutcome
  | { readonly taskId: string; readonly result: 'not_dead_lettered' }
  | {
      readonly taskId: string;
      readonly result: 'already_replayed';
      readonly replayed: NonNullable<DeadLetterJob['replayed']>;
    };

/** What a replay matched and did. */
export interface ReplaySummary {
  /** Tasks asked for, or entries selected by `all`. */
  readonly matched: number;
  readonly retried: number;
  /** Reason → count: `already_replayed`, `not_dead_lettered`, `open`, `not_retryable`, … */
  readonly skipped: Readonly<Record<string, number>>;
  readonly outcomes: readonly ReplayOutcome[];
}

/** What a purge removed. */
export interface PurgeSummary {
  /** Entries older than the cut-off. */
  readonly matched: number;
  readonly purged: number;
  /** Purged entries whose task was never retried (still retryable by id from the ledger). */
  readonly notReplayed: number;
  readonly taskIds: readonly string[];
}

// BullMQ's lists and sets, with the state each means for an entry (`prioritized` is waiting too).
const STATES: readonly (readonly [JobType, DeadLetterState])[] = [
  ['wait', 'waiting'],
  ['prioritized', 'waiting'],
  ['delayed', 'delayed'],
  ['active', 'active'],
  ['completed', 'completed'],
  ['failed', 'failed'],
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `<taskId>-r<run>`; `-r0` names a first run, whose entry id is the bare task id. */
const ENTRY_ID = /^([0-9a-f-]{36})-r(\d+)$/i;

function deadLetterQueue(queues: Queues): Queue {
  return queues['dead-letter'];
}

/** BullMQ's state of a job, as an entry's; undefined when the job is gone. */
async function stateOf(queue: Queue, id: string): Promise<DeadLetterState | undefined> {
  const state = await queue.getJobState(id);
  if (state === 'unknown' || state === 'waiting-children') return undefined;
  return state === 'prioritized' ? 'waiting' : state;
}

/** An entry by its job id, or undefined when absent or not a dead letter. */
async function readEntry(
  queue: Queue,
  id: string,
  knownState?: DeadLetterState,
): Promise<DeadLetter | undefined> {
  const [job, state] = await Promise.all([
    queue.getJob(id),
    knownState === undefined ? stateOf(queue, id) : knownState,
  ]);
  const parsed = DeadLetterJob.safeParse(job?.data);
  if (!parsed.success || state === undefined) return undefined;
  return { ...parsed.data, id, state };
}

/**
 * Every entry of the dead-letter queue, newest first, in whatever state (an entry waits until a
 * worker's dead-letter processor records it, then stays completed until purged). Jobs whose
 * data is not a dead letter are left out.
 */
export async function listDeadLetters(
  queues: Queues,
  { sinceMs, now = Date.now() }: { sinceMs?: number; now?: number } = {},
): Promise<DeadLetter[]> {
  const queue = deadLetterQueue(queues);
  const located = await Promise.all(
    STATES.map(async ([type, state]) =>
      (await queue.getRanges([type], 0, -1)).map((id) => [id, state] as const),
    ),
  );
  const unique = new Map(located.flat());
  const entries = await Promise.all([...unique].map(([id, state]) => readEntry(queue, id, state)));
  const from = sinceMs === undefined ? -Infinity : now - sinceMs;
  return entries
    .filter((entry): entry is DeadLetter => entry !== undefined && entry.deadLetteredAt >= from)
    .sort((left, right) => right.deadLetteredAt - left.deadLetteredAt);
}

/**
 * One entry: by run (`<taskId>-r<run>`, `-r0` for the first), or by task id the entry of the
 * task's latest run that was dead-lettered. Undefined when there is none.
 */
export async function findDeadLetter(
  { database, queues }: DeadLetterDeps,
  id: string,
): Promise<DeadLetter | undefined> {
  const queue = deadLetterQueue(queues);
  const run = ENTRY_ID.exec(id);
  if (run !== null) return readEntry(queue, deadLetterJobId(run[1] ?? '', Number(run[2])));
  if (!UUID.test(id)) return undefined;
  const [row] = await database.query<{ retry_count: number }>(
    'SELECT retry_count FROM background_tasks WHERE id = $1',
    [id],
  );
  // One entry per run that failed for good: look from the task's current run back to its first.
  const runs = Array.from({ length: (row?.retry_count ?? 0) + 1 }, (_, run) => run).reverse();
  const entries = await Promise.all(runs.map((run) => readEntry(queue, deadLetterJobId(id, run))));
  return entries.find((entry) => entry !== undefined);
}

/** The latest entry of each task among `entries` (newest first). */
function latestPerTask(entries: readonly DeadLetter[]): DeadLetter[] {
  const latest = new Map<string, DeadLetter>();
  for (const entry of entries) {
    const seen = latest.get(entry.taskId);
    if (seen === undefined || entry.retry > seen.retry) latest.set(entry.taskId, entry);
  }
  return [...latest.values()];
}

/** Marks an entry replayed, unless something already did. */
async function markReplayed(queue: Queue, entry: DeadLetter, actor: Actor): Promise<void> {
  const job = await queue.getJob(entry.id);
  const data = DeadLetterJob.safeParse(job?.data);
  if (job === undefined || !data.success || data.data.replayed !== undefined) return;
  await job.updateData({
    ...data.data,
    replayed: { at: Date.now(), by: actor.by, door: actor.door },
  });
}

/** The entries a replay takes, and outcomes for the tasks it cannot take. */
async function selectEntries(
  deps: RetryDeps,
  selection: DeadLetterSelection,
): Promise<{ entries: DeadLetter[]; matched: number; outcomes: ReplayOutcome[] }> {
  if ('all' in selection) {
    const { sinceMs } = selection;
    const listed = await listDeadLetters(deps.queues, sinceMs === undefined ? {} : { sinceMs });
    // An older run's entry whose task has a newer one was replayed by whatever started that run.
    const entries = latestPerTask(listed).filter((entry) => entry.replayed === undefined);
    return { entries, matched: entries.length, outcomes: [] };
  }
  const ids = [...new Set(selection.taskIds)];
  const found = await Promise.all(ids.map((id) => findDeadLetter(deps, id)));
  const entries: DeadLetter[] = [];
  const outcomes: ReplayOutcome[] = [];
  ids.forEach((taskId, index) => {
    const entry = found[index];
    if (entry === undefined) outcomes.push({ taskId, result: 'not_dead_lettered' });
    else if (entry.replayed === undefined) entries.push(entry);
    else
      outcomes.push({ taskId: entry.taskId, result: 'already_replayed', replayed: entry.replayed });
  });
  return { entries, matched: ids.length, outcomes };
}

/**
 * Replays dead letters: retries the task of each selected entry that is not replayed yet through
 * {@link retryTasks} (same id, `retry_count + 1`, a new job; the entry is marked replayed), with
 * door `dlq`. An entry already replayed, or a task without one, is reported and left alone, so a
 * second replay changes nothing. One `operator_actions` row (`dlq_replay`) records it.
 */
export async function replayDeadLetters(
  deps: RetryDeps,
  selection: DeadLetterSelection,
  by: string,
  { onProgress }: { onProgress?: (done: number, total: number) => void } = {},
): Promise<ReplaySummary> {
  const actor: Actor = { door: 'dlq', by };
  const { entries, matched, outcomes } = await selectEntries(deps, selection);
  const taskIds = entries.map((entry) => entry.taskId);
  const retriedNow = await retryTasks(deps, taskIds, actor, {
    audit: false,
    onProgress: (done) => onProgress?.(done, taskIds.length),
  });
  // retryTasks marks the entry of the run it ended; an entry of an older run (the task was
  // reopened by SQL after its job had left Redis, and that run ended without one) is marked here.
  const byTask = new Map(entries.map((entry) => [entry.taskId, entry]));
  await Promise.all(
    retriedNow.map(async (outcome) => {
      const entry = byTask.get(outcome.taskId);
      if (outcome.result === 'retried' && entry && entry.retry !== outcome.retryCount - 1) {
        await markReplayed(deadLetterQueue(deps.queues), entry, actor);
      }
    }),
  );
  outcomes.push(...retriedNow);
  const skipped: Record<string, number> = {};
  for (const { result } of outcomes) {
    if (result !== 'retried') skipped[result] = (skipped[result] ?? 0) + 1;
  }
  const retried = outcomes.filter((outcome) => outcome.result === 'retried').length;
  await recordOperatorAction(deps.database, {
    ...actor,
    action: 'dlq_replay',
    taskIds,
    filters:
      'all' in selection
        ? { all: true, sinceMs: selection.sinceMs ?? null }
        : { taskIds: [...selection.taskIds] },
    matched,
    changed: retried,
    skipped: matched - retried,
  });
  return { matched, retried, skipped, outcomes };
}

/**
 * Removes the dead-letter entries dead-lettered more than `olderThanMs` ago, replayed or not
 * (the ledger keeps each task, which `retryTasks` can still retry by id). An entry a worker is
 * recording right now is left for the next purge. One `operator_actions` row (`dlq_purge`).
 */
export async function purgeDeadLetters(
  { database, queues }: DeadLetterDeps,
  { olderThanMs, now = Date.now() }: { olderThanMs: number; now?: number },
  by: string,
): Promise<PurgeSummary> {
  const queue = deadLetterQueue(queues);
  const cutoff = now - olderThanMs;
  const old = (await listDeadLetters(queues)).filter((entry) => entry.deadLetteredAt < cutoff);
  const removed = await Promise.all(
    old.map(async (entry) => {
      if (entry.state === 'active') return undefined;
      const count = await queue.remove(entry.id).catch(() => 0);
      return count > 0 ? entry : undefined;
    }),
  );
  const purged = removed.filter((entry): entry is DeadLetter => entry !== undefined);
  const taskIds = [...new Set(purged.map((entry) => entry.taskId))];
  await recordOperatorAction(database, {
    door: 'dlq',
    by,
    action: 'dlq_purge',
    taskIds,
    filters: { olderThanMs },
    matched: old.length,
    changed: purged.length,
    skipped: old.length - purged.length,
  });
  return {
    matched: old.length,
    purged: purged.length,
    notReplayed: purged.filter((entry) => entry.replayed === undefined).length,
    taskIds,
  };
}
