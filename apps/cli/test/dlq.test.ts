import os from 'node:os';
import { submitTask } from '@aiq/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { deadLetter, failLikeAWorker } from './harness/failed-tasks.js';
import { runCli } from './harness/run-cli.js';

const operator = `cli:${os.userInfo().username}`;
const DAY = 86_400_000;

describe('aiq dlq', () => {
  let services: CliServices;
  let old: string;
  let recent: string;
  let waiting: string;

  beforeAll(async () => {
    services = await openCliServices('cli-dlq');
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const task = await submitTask(services, {
        kind: 'generation',
        userId: 'ops-1',
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'A secret prompt' }],
      });
      ids.push(task.taskId);
    }
    [old = '', recent = '', waiting = ''] = ids;
    await failLikeAWorker(services, ids, 'server_error');
    await deadLetter(services, old, { deadLetteredAt: Date.now() - 8 * DAY });
    await deadLetter(services, recent);
    // No dead-letter consumer has taken this one yet: it waits, and is listed all the same.
    await deadLetter(services, waiting, { deadLetteredAt: Date.now() + 1, record: false });
  });
  afterAll(async () => {
    await services.close();
  });

  it('should list entries, newest first, as a table or JSON, and only recent ones with --since', async () => {
    const table = await runCli(['dlq', 'list'], services.env);
    expect(table.code).toBe(0);
    const lines = table.out.split('\n');
    expect(lines[0]).toMatch(
      /^task_id +\| run \| queue +\| failures \| last_error +\| dead_lettered_at +\| state +\| replayed$/,
    );
    expect(lines.slice(2, 5).map((line) => line.split(' | ')[0]?.trim())).toEqual([
      waiting,
      recent,
      old,
    ]);
    expect(lines[2]).toMatch(
      /\| 0 +\| generate-openai \| 1 +\| server_error \| .* \| waiting +\| no *$/,
    );
    expect(lines.at(-1)).toBe('(3 rows)');

    const json = await runCli(['dlq', 'list', '--since', '1d', '--json'], services.env);
    expect(JSON.parse(json.out)).toEqual([
      expect.objectContaining({ task_id: waiting, state: 'waiting', replayed: 'no' }),
      expect.objectContaining({ task_id: recent, run: 0, failures: 1, state: 'completed' }),
    ]);
  });

  it('should show an entry with its failures and payload, without what the user wrote', async () => {
    const shown = await runCli(['dlq', 'show', recent], services.env);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`Dead letter ${recent} (task ${recent}, run 0)`);
    expect(shown.out).toContain('Queue:            generate-openai');
    expect(shown.out).toContain('Replayed:         no');
    expect(shown.out).toContain('"content": "[15 chars]"');
    expect(shown.out).toMatch(/1 +\| .* \| server_error \| seeded/);
    expect(shown.out).not.toContain('secret');
    const json = await runCli(['dlq', 'show', recent, '--json'], services.env);
    expect(JSON.parse(json.out)).toMatchObject({
      taskId: recent,
      payload: { model: 'gpt-5', messages: [{ role: 'user', content: '[15 chars]' }] },
    });
    expect(await runCli(['dlq', 'show', 'nope'], services.env)).toMatchObject({
      code: 1,
      err: 'No dead-letter entry for nope',
    });
  });

  it('should replay named entries once and mark them replayed, then the rest with --all', async () => {
    expect(await runCli(['dlq', 'replay'], services.env)).toMatchObject({ code: 2 });
    expect(await runCli(['dlq', 'replay', recent, '--all'], services.env)).toMatchObject({
      code: 2,
    });

    const replayed = await runCli(['dlq', 'replay', recent], services.env);
    expect(replayed).toMatchObject({ code: 0, err: '' });
    expect(replayed.out.split('\n')).toEqual([
      `${recent}  retried: pending on generate-openai, retry 1`,
      'Replayed 1 of 1',
    ]);
    const listed = JSON.parse((await runCli(['dlq', 'list', '--json'], services.env)).out) as {
      task_id: string;
      replayed: string;
    }[];
    expect(listed.find((entry) => entry.task_id === recent)?.replayed).toMatch(
      new RegExp(`^\\S+ by ${operator} via dlq$`),
    );
    const again = await runCli(['dlq', 'replay', recent], services.env);
    expect(again.code).toBe(1);
    expect(again.out).toContain(`${recent}  already replayed by ${operator} via dlq at `);

    const all = await runCli(['dlq', 'replay', '--all', '--since', '1d', '--json'], services.env);
    expect(JSON.parse(all.out)).toMatchObject({
      matched: 1,
      retried: 1,
      outcomes: [{ taskId: waiting, result: 'retried', retryCount: 1 }],
    });
    const [row] = await services.database.query(
      'SELECT status, retry_count FROM background_tasks WHERE id = $1',
      [old],
    );
    expect(row).toEqual({ status: 'failed', retry_count: 0 });
    expect(
      await services.database.query(
        `SELECT door, actor, task_ids, changed FROM operator_actions
         WHERE action = 'dlq_replay' ORDER BY created_at`,
      ),
    ).toEqual([
      { door: 'dlq', actor: operator, task_ids: [recent], changed: 1 },
      { door: 'dlq', actor: operator, task_ids: [], changed: 0 },
      { door: 'dlq', actor: operator, task_ids: [waiting], changed: 1 },
    ]);
  });

  it('should purge entries older than --older-than, and audit it', async () => {
    expect((await runCli(['dlq', 'purge'], services.env)).code).toBe(1); // --older-than is required
    const purged = await runCli(['dlq', 'purge', '--older-than', '7d'], services.env);
    expect(purged).toMatchObject({
      code: 0,
      out: 'Purged 1 dead-letter entries older than 7d (1 never replayed; their tasks can still be retried by id)',
    });
    const left = JSON.parse((await runCli(['dlq', 'list', '--json'], services.env)).out) as {
      task_id: string;
    }[];
    expect(left.map((entry) => entry.task_id).sort()).toEqual([recent, waiting].sort());
    expect(
      await services.database.query(
        `SELECT door, actor, task_ids, changed FROM operator_actions WHERE action = 'dlq_purge'`,
      ),
    ).toEqual([{ door: 'dlq', actor: operator, task_ids: [old], changed: 1 }]);
    expect(
      JSON.parse(
        (await runCli(['dlq', 'purge', '--older-than', '7d', '--json'], services.env)).out,
      ),
    ).toEqual({
      matched: 0,
      purged: 0,
      notReplayed: 0,
      taskIds: [],
    });
  });
});
