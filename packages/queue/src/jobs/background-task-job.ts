import { z } from 'zod';

/** A long-running task of a registered type; its input is validated by that type's schema. */
export const BackgroundTaskJob = z.object({
  taskId: z.uuid(),
  userId: z.string().min(1),
  type: z.string().min(1),
  input: z.unknown(),
  /**
   * The task's `retry_count` when this job was made: which run of the task it is. Part of the
   * ledger ids of its attempts, and its ledger writes are ignored once the task is retried again.
   */
  retry: z.number().int().nonnegative().default(0),
  /** Epoch ms: the deadline of the whole task (runbook: 300 s). */
  deadlineAt: z.number().int(),
});
export type BackgroundTaskJob = z.infer<typeof BackgroundTaskJob>;
