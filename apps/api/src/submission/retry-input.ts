import { GENERATION_TASK_TYPE, GenerateJob, type Submission } from '@aiq/queue';
import { ApiError } from '../api-error.js';
import type { TaskRow } from '../tasks/find-task.js';

/** The input submitTask stores for a generation (R6: parsed, not cast). */
const GenerationRow = GenerateJob.pick({
  model: true,
  messages: true,
  maxTokens: true,
  temperature: true,
  fallback: true,
});

const RETRYABLE_STATUSES = new Set(['failed', 'timeout', 'cancelled']);

/**
 * The submission that re-runs a finished-unsuccessfully task as a new task for its owner. A new
 * id rather than the old one: the old task's stream already ended with its terminal event, and
 * its ledger row and attempts stay as the record of what failed.
 */
export function retryInputOf(row: TaskRow): Submission {
  if (!RETRYABLE_STATUSES.has(row.status)) {
    throw new ApiError(
      409,
      'task_not_failed',
      `Task ${row.id} is ${row.status}; only failed, timed-out or cancelled tasks can be retried`,
    );
  }
  if (row.type === GENERATION_TASK_TYPE) {
    const { model, messages, maxTokens, temperature, fallback } = GenerationRow.parse(row.input);
    return {
      kind: 'generation',
      userId: row.userId,
      model,
      messages,
      fallback,
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(temperature === undefined ? {} : { temperature }),
    };
  }
  return { kind: 'background', userId: row.userId, type: row.type, input: row.input };
}
