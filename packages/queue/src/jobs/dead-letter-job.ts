import { z } from 'zod';
import { TaskErrorCode } from '../task-error-code.js';

/** One failed attempt, as the dead-letter queue keeps it. */
export const AttemptFailure = z.object({
  attempt: z.number().int().positive(),
  at: z.number().int(),
  errorCode: TaskErrorCode,
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
  /** The run of the task that failed (its `retry_count` then). */
  retry: z.number().int().nonnegative().default(0),
  /** Set when the task was retried (from any door): the entry stays, marked, for the record. */
  replayed: z.object({ at: z.number().int(), by: z.string(), door: z.string() }).optional(),
});

/** The dead-letter job id of a task's run: one entry per run that failed for good. */
export function deadLetterJobId(taskId: string, retry: number): string {
  return retry === 0 ? taskId : `${taskId}-r${retry}`;
}
export type DeadLetterJob = z.infer<typeof DeadLetterJob>;
