import { resetPartialOutput } from '../generation/partial-output-marker.js';
import type { WorkerDeps } from '../worker-deps.js';

/**
 * Publishes `retrying` for the attempt that runs next, then `reset` if the failed call had
 * streamed text, so the client discards it. Also used by background tasks, which wait out a
 * retry-after inside the attempt (`tasks/run-limited-provider-call.ts`).
 */
export async function announceRetry(
  deps: WorkerDeps,
  taskId: string,
  next: { attempt: number; delayMs: number; code: string },
  partialText: string,
): Promise<void> {
  await deps.events.publish(taskId, { type: 'retrying', ...next });
  if (partialText.length > 0) await resetPartialOutput(deps, taskId, next.attempt);
}
