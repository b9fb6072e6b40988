import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkRetry } from './bulk-retry.js';
import { recordOperatorAction } from './operator-actions.js';
import { retryTasks } from './retry-task.js';
import { submitTask } from './submit-task.js';
import { openTaskTestDeps, type TaskTestDeps } from './testing/open-task-test-deps.js';

describe('bulkRetry after a run that never finished', () => {
  let deps: TaskTestDeps;
  beforeAll(async () => {
    deps = await openTaskTestDeps('bulk-retry');
  });
  afterAll(() => deps.close());

  const actor = { door: 'cli', by: 'cli:oncall' } as const;

  async function failedTask(model: string): Promise<string> {
    const { taskId } = await submitTask(deps, {
      kind: 'generation',
      userId: 'alice',
      model,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    await deps.database.query(
      "UPDATE background_tasks SET status = 'failed', error_code = 'server_error' WHERE id = $1",
      [taskId],
    );
    return taskId;
  }

  it('should report what a killed run of the same selection retried, and only that', async () => {
    const ids = [await failedTask('gpt-5'), await failedTask('gpt-5'), await failedTask('gpt-5')];
    // A `--model gpt-5` run killed after reopening two of its three tasks: its row is on record
    // with what it chose, its counts never caught up.
    await recordOperatorAction(deps.database, {
      ...actor,
      action: 'bulk_retry',
      taskIds: ids,
      filters: { model: 'gpt-5', dryRun: false },
      matched: 3,
      changed: 0,
      skipped: 0,
    });
    await retryTasks(deps, ids.slice(0, 2), actor, { audit: false });

    // Another selection is not that run's rerun.
    const other = await bulkRetry(deps, { model: 'deepseek-chat' }, actor, { dryRun: true });
    expect(other).toMatchObject({ matched: 0, retriedByEarlierRun: 0 });

    const rerun = await bulkRetry(deps, { model: 'gpt-5' }, actor);
    expect(rerun).toMatchObject({ matched: 1, retried: 1, retriedByEarlierRun: 2 });
  });
});
