import type { Queue } from 'bullmq';
import { announceRetry } from '../processors/announce-retry.js';
import type { WorkerDeps } from '../worker-deps.js';

/**
 * A provider's retry-after, honoured for the whole fleet: holds every worker's calls to that
 * provider (`queue.rateLimit` on its queue, which background calls also wait on), then tells the
 * client that attempt `attempt` will run again after `holdMs` (the same attempt: none is
 * charged). Used by generation jobs and background calls alike.
 */
export async function holdProvider(
  deps: WorkerDeps,
  queue: Queue,
  hold: {
    taskId: string;
    attempt: number;
    holdMs: number;
    code: string;
    partialText: string;
    /** An ensemble candidate's hold is announced under its model. */
    model?: string | undefined;
  },
): Promise<void> {
  await queue.rateLimit(hold.holdMs);
  await announceRetry(
    deps,
    hold.taskId,
    { attempt: hold.attempt, delayMs: hold.holdMs, code: hold.code, model: hold.model },
    hold.partialText,
  );
}
