import type { TaskUpdate } from '@aiq/ledger';
import { claimTaskEnd, type EnsembleCandidate } from '@aiq/tasks';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.js';

/** How a task's run ended, as a worker records it: always naming the run. */
type TaskEnd = Extract<TaskUpdate, { kind: 'finished' }> & { readonly retry: number };

/** What the processor returns instead of throwing. */
export type HandledOutcome =
  | { readonly status: 'cancelled' }
  | { readonly status: 'fell-back'; readonly toModel: string }
  /** An ensemble candidate ended, answered or failed: its flow's parent reads it. */
  | { readonly status: 'candidate'; readonly candidate: EnsembleCandidate };

/** Thrown by an attempt whose task was cancelled before the attempt could record its end. */
export class EndedByCancel extends Error {
  constructor(taskId: string) {
    super(`task ${taskId} was cancelled before its end was recorded`);
    this.name = 'EndedByCancel';
  }
}

/**
 * Thrown by a worker whose job lock expired (the process froze or stalled) while another worker
 * took the job over: its late result must not be recorded over the new owner's.
 */
export class JobLockLost extends Error {
  constructor(taskId: string) {
    super(`task ${taskId}: this worker lost the job's lock to another; its result is dropped`);
    this.name = 'JobLockLost';
  }
}

/** A job's lock as BullMQ holds it: `<prefix>:<queue>:<job id>:lock` set to the owner's token. */
export interface JobLock {
  readonly key: string;
  readonly token: string;
}

/** The lock this worker holds on `job`, or undefined when it was not given one (direct calls). */
export function jobLock(job: Job, token: string | undefined): JobLock | undefined {
  if (token === undefined || job.id === undefined) return undefined;
  return { key: `${job.queueQualifiedName}:${job.id}:lock`, token };
}

/**
 * Records `cancelled` and publishes it; the job completes so it is neither retried nor
 * dead-lettered. Needs no claim: a worker only learns of a cancel that has won it.
 */
export async function finishCancelled(
  deps: WorkerDeps,
  { taskId, retry }: { readonly taskId: string; readonly retry: number },
): Promise<HandledOutcome> {
  // Ledger first: a client that has seen the terminal event finds the outcome recorded.
  await deps.ledger.updateTask({
    kind: 'finished',
    taskId,
    retry,
    status: 'cancelled',
    errorCode: 'cancelled',
    at: Date.now(),
  });
  await deps.events.publish(taskId, { type: 'cancelled', reason: 'cancelled' }, { run: retry });
  return { status: 'cancelled' };
}

/**
 * The one way a worker records how a task's run ended (a result, a failure, a repair): unless
 * a cancel claimed the run's end first, in which case the run ends `cancelled` as the cancel
 * said, whatever this write would have been.
 * With `lock`, only while this worker still owns the job: a worker frozen past its lock, whose
 * job another worker has taken over, records nothing (issue 15, row 5b).
 * @returns false when the cancel won (and `cancelled` was recorded and published instead)
 * @throws JobLockLost when `lock` is no longer this worker's
 */
export async function recordTaskEnd(
  deps: WorkerDeps,
  end: TaskEnd,
  lock?: JobLock,
): Promise<boolean> {
  if (lock !== undefined && (await deps.redis.get(lock.key)) !== lock.token) {
    throw new JobLockLost(end.taskId);
  }
  const claimed = await claimTaskEnd(deps.redis, deps.config.redis.prefix, {
    taskId: end.taskId,
    run: end.retry,
    party: 'worker',
  });
  if (!claimed) {
    await finishCancelled(deps, end);
    return false;
  }
  await deps.ledger.updateTask(end);
  return true;
}
