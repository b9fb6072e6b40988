import type { TaskEvent } from '@aiq/events';
import type { TaskRow } from './task-row.js';

function objectField(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * The terminal event a finished task's stream would have ended with, rebuilt from its ledger
 * row, for streams opened after the replay log expired. `undefined` while the task still runs.
 */
export function terminalEventFromRow(row: TaskRow, sequence: number): TaskEvent | undefined {
  const envelope = { taskId: row.id, sequence, at: (row.completedAt ?? row.updatedAt).getTime() };
  switch (row.status) {
    case 'completed': {
      const model = objectField(row.result, 'model') ?? objectField(row.input, 'model');
      const finishReason = objectField(row.result, 'finishReason');
      return {
        ...envelope,
        type: 'done',
        model: typeof model === 'string' ? model : 'unknown',
        finishReason: typeof finishReason === 'string' ? finishReason : 'stop',
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
