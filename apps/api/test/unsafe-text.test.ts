import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

// Postgres refuses U+0000 in `text` and `jsonb`, and lone surrogates in `jsonb`. A user or a
// model can send both; neither may cost a 500 or stop the ledger for everyone.
const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';

describe('text Postgres cannot store', () => {
  let cluster: ApiCluster;
  let alice: Record<string, string>;
  beforeAll(async () => {
    cluster = await startApiCluster();
    alice = await cluster.keyFor('alice');
  });
  afterAll(() => cluster.close());

  async function submit(body: unknown): Promise<Response> {
    return fetch(`${cluster.apis[0]}/api/ai/generate`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function taskRow(taskId: string) {
    const [row] = await cluster.database.query<{ status: string; input: unknown; result: unknown }>(
      'SELECT status, input, result FROM background_tasks WHERE id = $1',
      [taskId],
    );
    return row;
  }

  it('should accept a prompt holding U+0000 and a lone surrogate, store it as U+FFFD and complete it', async () => {
    const secret = 'Zebra-prompt-4711';
    const response = await submit({
      model: 'gpt-5',
      prompt: `${secret} a${NUL}b${LONE_SURROGATE}c [[mock tokens=3]]`,
      stream: false,
    });
    expect(response.status).toBe(202);
    const { taskId } = (await response.json()) as { taskId: string };
    await expect
      .poll(async () => (await taskRow(taskId))?.status, { timeout: 15_000 })
      .toBe('completed');
    expect(JSON.stringify((await taskRow(taskId))?.input)).toContain('a\ufffdb\ufffdc');
    const [attempt] = await cluster.database.query<{ status: string; prompt: string }>(
      'SELECT status, prompt FROM ai_requests WHERE task_id = $1',
      [taskId],
    );
    expect(attempt).toMatchObject({ status: 'completed' });
    expect(attempt?.prompt).toContain('a\ufffdb\ufffdc');
    expect(cluster.output()).not.toContain(secret);
  });

  it('should complete a task whose model output holds U+0000 and a lone surrogate, and keep the ledger going', async () => {
    cluster.mock.addScenario({
      provider: 'openai',
      fault: { text: `Out${NUL}put ${LONE_SURROGATE} end` },
      count: 1,
    });
    const poisoned = await submit({ model: 'gpt-5', prompt: 'Say something odd', stream: false });
    expect(poisoned.status).toBe(202);
    const { taskId } = (await poisoned.json()) as { taskId: string };
    await expect
      .poll(async () => (await taskRow(taskId))?.status, { timeout: 15_000 })
      .toBe('completed');
    expect((await taskRow(taskId))?.result).toMatchObject({ text: 'Out\ufffdput \ufffd end' });
    const [attempt] = await cluster.database.query<{ status: string; response: string }>(
      'SELECT status, response FROM ai_requests WHERE task_id = $1',
      [taskId],
    );
    expect(attempt).toEqual({ status: 'completed', response: 'Out\ufffdput \ufffd end' });

    // The writes after it land too: the ledger did not stop on it.
    const next = await submit({
      model: 'gpt-5',
      prompt: 'And then [[mock tokens=2]]',
      stream: false,
    });
    const { taskId: nextId } = (await next.json()) as { taskId: string };
    await expect
      .poll(async () => (await taskRow(nextId))?.status, { timeout: 15_000 })
      .toBe('completed');
  });
});
