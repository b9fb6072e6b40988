import { retryTask, type RetryOutcome } from '@aiq/tasks';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import type { RetryResponse } from '../schemas/task-schemas.js';
import { assertRedisReady } from '../submission/submit-generation.js';
import { findTaskFor } from './find-task.js';
import { taskEventsUrl, taskStatusUrl } from './task-urls.js';

/**
 * The API's door to a retry (`POST /api/tasks/:id/retry` and its alias): the owner or an
 * operator reopens a failed or timed-out task on its own id.
 * @throws ApiError 404 for a task the caller may not see, 409 for a completed or cancelled one
 */
export async function retryFor(
  deps: ApiDeps,
  taskId: string,
  user: AppEnv['Variables']['user'],
): Promise<{ status: 200 | 202; body: RetryResponse }> {
  const row = await findTaskFor(deps.database, taskId, user);
  assertRedisReady(deps);
  const outcome: RetryOutcome = await retryTask({ ...deps, registry: deps.models }, taskId, {
    door: 'api',
    by: user.id,
  });
  const urls = { statusUrl: taskStatusUrl(taskId), eventsUrl: taskEventsUrl(taskId) };
  switch (outcome.result) {
    case 'retried':
      return {
        status: 202,
        body: {
          taskId,
          retried: true,
          status: 'pending',
          retryCount: outcome.retryCount,
          ...urls,
          message: `Task ${taskId} is pending again (retry ${outcome.retryCount})`,
        },
      };
    case 'open':
      return {
        status: 200,
        body: {
          taskId,
          retried: false,
          status: outcome.status,
          retryCount: row.retryCount,
          ...urls,
          message: `Task ${taskId} is already ${outcome.status}; nothing changed`,
        },
      };
    case 'not_retryable':
      throw new ApiError(
        409,
        'task_not_retryable',
        `Task ${taskId} is ${outcome.status}; only failed or timed-out tasks can be retried`,
      );
    case 'not_found':
      throw new ApiError(404, 'task_not_found', `No task ${taskId}`);
  }
}
