import { z } from 'zod';

/** A long-running task of a registered type; its input is validated by that type's schema. */
export const BackgroundTaskJob = z.object({
  taskId: z.uuid(),
  userId: z.string().min(1),
  type: z.string().min(1),
  input: z.unknown(),
  /** Epoch ms: the deadline of the whole task (runbook: 300 s). */
  deadlineAt: z.number().int(),
});
export type BackgroundTaskJob = z.infer<typeof BackgroundTaskJob>;
