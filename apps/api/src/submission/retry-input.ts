import { GENERATION_TASK_TYPE, type Submission } from '@aiq/queue';
import { ApiError } from '../api-error.js';
import type { TaskRow } from '../tasks/find-task.js';

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
    const input = row.input as {
      model: string;
      messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
      maxTokens?: number;
      temperature?: number;
      fallback?: boolean;
    };
    return { kind: 'generation', userId: row.userId, ...input };
  }
  return { kind: 'background', userId: row.userId, type: row.type, input: row.input };
}
