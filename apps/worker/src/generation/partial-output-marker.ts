import type { TaskEventBody } from '@aiq/events';
import type { WorkerDeps } from '../worker-deps.js';

// Set when a run sends its first token, cleared when a `reset` goes out. A run that starts
// while it is set follows a run that died mid-stream (a killed worker): the client holds text
// that will be sent again, so the new run tells it to discard it first.
function markerKey(deps: WorkerDeps, taskId: string): string {
  return `${deps.config.redis.prefix}:partial-output:${taskId}`;
}

/** Notes that this task's client has received text (call on a run's first token). */
export async function markPartialOutput(deps: WorkerDeps, taskId: string): Promise<void> {
  await deps.redis.set(markerKey(deps, taskId), '1', 'EX', 86_400);
}

/** Publishes `reset` if text went out since the last reset, and clears the mark. */
export async function resetPartialOutput(
  deps: WorkerDeps,
  taskId: string,
  attempt: number,
): Promise<void> {
  if ((await deps.redis.del(markerKey(deps, taskId))) === 1) {
    await deps.events.publish(taskId, { type: 'reset', attempt });
  }
}

/**
 * Clears the mark once the task has ended: a finished task's client holds the whole answer, and
 * the mark would otherwise stay in Redis for its day.
 */
export async function clearPartialOutput(deps: WorkerDeps, taskId: string): Promise<void> {
  await deps.redis.del(markerKey(deps, taskId));
}

/**
 * A streaming run's start: claims the task's stream (its events carry the holder number from
 * now on, and a predecessor's are dropped), tells the client to discard a dead run's text, and
 * publishes `started`. The claim goes out first on the same connection, so no stale token can
 * land after the reset.
 * @returns the run's holder number, for its `publish` calls
 */
export async function announceStart(
  deps: WorkerDeps,
  taskId: string,
  started: Extract<TaskEventBody, { type: 'started' }>,
): Promise<number> {
  const claiming = deps.events.claim(taskId);
  claiming.catch(() => undefined); // awaited below, after the reset that follows it
  await resetPartialOutput(deps, taskId, started.attempt); // after a run that died mid-stream
  const holder = await claiming;
  await deps.events.publish(taskId, started, { holder });
  return holder;
}
