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
  await deps.events.publish(taskId, {
    type: 'retrying',
    ...next,
    ...(model === undefined ? {} : { model }),
  });
  if (partialText.length > 0) await resetPartialOutput(deps, taskId, next.attempt, model);
}
