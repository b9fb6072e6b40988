import type { TaskEventBody } from '@aiq/events';
import type { WorkerDeps } from '../worker-deps.js';

// Set when a run sends its first token, cleared when a `reset` goes out. A run that starts
// while it is set follows a run that died mid-stream (a killed worker): the client holds text
// that will be sent again, so the new run tells it to discard it first. An ensemble candidate
// keeps its own mark (`candidate`: its model), since the candidates stream side by side.
function markerKey(deps: WorkerDeps, taskId: string, candidate: string | undefined): string {
  const key = `${deps.config.redis.prefix}:partial-output:${taskId}`;
  return candidate === undefined ? key : `${key}:${candidate}`;
}

/** Notes that this task's client has received text (call on a run's first token). */
export async function markPartialOutput(
  deps: WorkerDeps,
  taskId: string,
  candidate?: string,
): Promise<void> {
  await deps.redis.set(markerKey(deps, taskId, candidate), '1', 'EX', 86_400);
}

/**
 * Publishes `reset` if text went out since the last reset, and clears the mark. A candidate's
 * reset carries its model: only that candidate's text is discarded.
 */
export async function resetPartialOutput(
  deps: WorkerDeps,
  taskId: string,
  attempt: number,
  candidate?: string,
): Promise<void> {
  if ((await deps.redis.del(markerKey(deps, taskId, candidate))) === 1) {
    await deps.events.publish(taskId, {
      type: 'reset',
      attempt,
      ...(candidate === undefined ? {} : { model: candidate }),
    });
  }
}

/**
 * Clears the mark once the task (or the candidate) has ended: its client holds the whole answer,
 * and the mark would otherwise stay in Redis for its day.
 */
export async function clearPartialOutput(
  deps: WorkerDeps,
  taskId: string,
  candidate?: string,
): Promise<void> {
  await deps.redis.del(markerKey(deps, taskId, candidate));
}

/**
 * A streaming run's start: claims the task's stream (its events carry the holder number from
 * now on, and a predecessor's are dropped), tells the client to discard a dead run's text, and
 * publishes `started`. The claim goes out first on the same connection, so no stale token can
 * land after the reset. An ensemble candidate (`candidate`: its model) claims and resets its
 * own lane of the stream only.
 * @returns the run's holder number, for its `publish` calls (with `lane: candidate`)
 */
export async function announceStart(
  deps: WorkerDeps,
  taskId: string,
  started: Extract<TaskEventBody, { type: 'started' }>,
  candidate?: string,
): Promise<number> {
  const claiming = deps.events.claim(taskId, candidate);
  claiming.catch(() => undefined); // awaited below, after the reset that follows it
  // After a run that died mid-stream.
  await resetPartialOutput(deps, taskId, started.attempt, candidate);
  const holder = await claiming;
  await deps.events.publish(taskId, started, { holder, lane: candidate });
  return holder;
}
