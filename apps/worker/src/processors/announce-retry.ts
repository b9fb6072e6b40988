import { resetPartialOutput } from '../generation/partial-output-marker.js';
import type { WorkerDeps } from '../worker-deps.js';

/**
 * Publishes `retrying` for the attempt that runs next, then `reset` if the failed call had
 * streamed text, so the client discards it (an ensemble candidate's: both tagged with `model`). Also used by background tasks, which wait out a
 * retry-after inside the attempt (`tasks/run-limited-provider-call.ts`).
 */
export async function announceRetry(
  deps: WorkerDeps,
  taskId: string,
  {
    model,
    ...next
  }: { attempt: number; delayMs: number; code: string; model?: string | undefined },
  partialText: string,
): Promise<void> {
  deps.metrics.countRetry(next.code);
  if (model === undefined) {
    await deps.events.publish(taskId, { type: 'retrying', ...next });
    if (partialText.length > 0) await resetPartialOutput(deps, taskId, next.attempt);
    return;
  }
  // An ensemble candidate: only its own text is discarded. It keeps no partial-output mark (one
  // per task would mix the candidates), so the reset goes out whenever it had streamed text.
  await deps.events.publish(taskId, { type: 'retrying', ...next, model });
  if (partialText.length > 0) {
    await deps.events.publish(taskId, { type: 'reset', attempt: next.attempt, model });
  }
}
