import { z } from 'zod';

/** One failed attempt, as the dead-letter queue keeps it. */
export const AttemptFailure = z.object({
  attempt: z.number().int().positive(),
  at: z.number().int(),
  errorCode: z.string(),
  message: z.string(),
});
export type AttemptFailure = z.infer<typeof AttemptFailure>;

/** A job that exhausted its attempts: its payload and every attempt's error, for replay. */
export const DeadLetterJob = z.object({
  taskId: z.uuid(),
  /** The queue the job failed on, where a replay sends it back. */
  queue: z.string(),
  payload: z.unknown(),
  failures: z.array(AttemptFailure).min(1),
  deadLetteredAt: z.number().int(),
});
export type DeadLetterJob = z.infer<typeof DeadLetterJob>;
