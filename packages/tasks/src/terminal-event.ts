import type { TaskEvent } from '@aiq/events';
import { z } from 'zod';
import type { TaskRow } from './task-row.js';

/** What a stored result may say about the model that wrote it (generations, most background types). */
const ModelFields = z.object({
  model: z.string().optional(),
  finishReason: z.string().optional(),
});

/**
 * The terminal event a finished task's stream would have ended with, rebuilt from its ledger
 * row, for streams opened after the replay log expired. `undefined` while the task still runs.
 */
export function terminalEventFromRow(row: TaskRow, sequence: number): TaskEvent | undefined {
  const envelope = { taskId: row.id, sequence, at: (row.completedAt ?? row.updatedAt).getTime() };
  switch (row.status) {
    case 'completed': {
      const result = ModelFields.safeParse(row.result);
      const input = ModelFields.safeParse(row.input);
      return {
        ...envelope,
        type: 'done',
        model: (result.data?.model ?? row.model ?? input.data?.model) || 'unknown',
        finishReason: result.data?.finishReason ?? 'stop',
        usage: null,
        result: row.result,
      };
    }
    case 'failed':
    case 'timeout':
      return {
        ...envelope,
        type: 'error',
        code: row.errorCode ?? row.status,
        message: row.errorMessage ?? `The task ended with status ${row.status}`,
        retryable: false,
      };
    case 'cancelled':
      return { ...envelope, type: 'cancelled', reason: row.errorMessage ?? 'cancelled' };
    case 'pending':
    case 'processing':
      return undefined;
  }
}
