import type { TaskUpdate } from '@aiq/ledger';
import { claimTaskEnd, type EnsembleCandidate } from '@aiq/tasks';
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
 * @returns false when the cancel won (and `cancelled` was recorded and published instead)
 */
export async function recordTaskEnd(deps: WorkerDeps, end: TaskEnd): Promise<boolean> {
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
