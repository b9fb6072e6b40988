import type { TaskResponse } from '../schemas/task-schemas.js';
import type { TaskRow } from '@aiq/tasks';
import { taskEventsUrl } from './task-urls.js';

function modelOf(input: unknown): string | null {
  const model =
    typeof input === 'object' && input !== null ? (input as { model?: unknown }).model : undefined;
  return typeof model === 'string' ? model : null;
}

/**
 * A ledger row in the API's shape; the input (which may hold a whole document) is left out.
 * `costs`: from `taskCosts`, for the rows shown.
 */
export function toTaskResponse(row: TaskRow, costs: ReadonlyMap<string, number>): TaskResponse {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    model: row.model ?? modelOf(row.input),
    requestedModel: modelOf(row.input),
    result: row.result ?? null,
    error:
      row.errorCode === null && row.errorMessage === null
        ? null
        : { code: row.errorCode ?? row.status, message: row.errorMessage ?? '' },
    attempts: row.attempts,
    retryCount: row.retryCount,
    costUsd: costs.get(row.id) ?? null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    completedAt: row.completedAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
    eventsUrl: taskEventsUrl(row.id),
  };
}
