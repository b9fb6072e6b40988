import { submitTask } from '@aiq/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { failLikeAWorker } from './harness/failed-tasks.js';
import { runCli } from './harness/run-cli.js';

describe('aiq retention sweep', () => {
  let services: CliServices;
  let old: string;
  let recent: string;

  beforeAll(async () => {
    services = await openCliServices('cli-retention');
    const ids: string[] = [];
    for (const content of ['An old secret prompt', 'A recent secret prompt']) {
      const task = await submitTask(services, {
        kind: 'generation',
        userId: 'ops-1',
        model: 'gpt-5',
        messages: [{ role: 'user', content }],
      });
      ids.push(task.taskId);
    }
    [old = '', recent = ''] = ids;
    await failLikeAWorker(services, ids, 'server_error');
    // Ages relative to the CLI's clock, whatever day the test runs on.
    await services.database.query(
      `UPDATE background_tasks SET created_at = now() - interval '40 days' WHERE id = $1`,
      [old],
    );
  });
  afterAll(() => services.close());

  it('should keep prompts when PROMPT_RETENTION_DAYS is unset, and erase only older ones when set', async () => {
    const kept = await runCli(['retention', 'sweep'], services.env);
    expect(kept.code).toBe(0);
    expect(kept.out).toMatch(/Prompts and responses are kept \(PROMPT_RETENTION_DAYS is unset\)/);

    const swept = await runCli(['retention', 'sweep', '--json'], {
      ...services.env,
      PROMPT_RETENTION_DAYS: '30',
    });
    expect(swept.code).toBe(0);
    expect(JSON.parse(swept.out)).toMatchObject({ erasedPrompts: { tasks: 1 } });
    const rows = await services.database.query<{ id: string; input: unknown; status: string }>(
      'SELECT id, input, status FROM background_tasks',
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(old)).toEqual({
      id: old,
      input: { model: 'gpt-5', erased: true },
      status: 'failed',
    });
    expect(JSON.stringify(byId.get(recent))).toMatch(/A recent secret prompt/);
  });
});
