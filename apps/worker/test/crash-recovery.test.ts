import { createTestDatabase, deletePrefix, testServices } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { generation } from './harness/worker-harness.js';
import { startProducerHarness } from './harness/producer-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

const MODELS = ['gpt-5', 'claude-haiku-4-5', 'deepseek-chat'];

describe('worker processes', () => {
  it('should finish all 200 jobs, each written once, when a worker is SIGKILLed mid-job', async () => {
    const { redisUrl } = await testServices();
    const testDatabase = await createTestDatabase();
    const harness = await startProducerHarness({ redisUrl, databaseUrl: testDatabase.url });
    // About a second per job, so the kill lands with many jobs active on both workers.
    harness.mock.addScenario({ fault: 'tokens=20 delay=40' });
    const settings = { generationConcurrency: 20 };
    const first = await spawnWorkerProcess(harness.env, settings);
    const second = await spawnWorkerProcess(harness.env, settings);
    try {
      const tasks = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          harness.submit(generation(MODELS[index % 3] ?? 'gpt-5', `Job ${index}`)),
        ),
      );
      const [early] = tasks;
      if (early) await harness.events.waitForTerminal(early.taskId, 30_000);
      expect(await first.stop('SIGKILL')).toBe('SIGKILL');

      for (const task of tasks) await harness.events.waitForTerminal(task.taskId, 60_000);
      const terminals = tasks.map(
        (task) =>
          harness.events.events(task.taskId).filter((event) => event.type === 'done').length,
      );
      expect(terminals.every((count) => count === 1)).toBe(true);

      // The killed worker's unwritten ledger rows are repaired by the reconciler from Redis.
      await expect
        .poll(
          async () =>
            (
              await harness.database.query<{ count: string }>(
                `SELECT count(*) FROM background_tasks WHERE status = 'completed'`,
              )
            )[0]?.count,
          { timeout: 30_000, interval: 250 },
        )
        .toBe('200');
      await expect
        .poll(
          async () =>
            (
              await harness.database.query<{ count: string }>(
                `SELECT count(DISTINCT task_id) FROM ai_requests`,
              )
            )[0]?.count,
          { timeout: 10_000, interval: 250 },
        )
        .toBe('200');
      const rows = await harness.database.query<{ task_id: string; completed: string }>(
        `SELECT task_id, count(*) FILTER (WHERE status = 'completed') AS completed
         FROM ai_requests GROUP BY task_id`,
      );
      expect(rows).toHaveLength(200);
      expect(rows.filter((row) => row.completed !== '1')).toEqual([]);
      // The killed worker's jobs really were re-run by the other one.
      expect(harness.mock.requests().length).toBeGreaterThan(200);
    } finally {
      await Promise.all([first.stop('SIGKILL'), second.stop('SIGTERM')]);
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await testDatabase.drop();
    }
  }, 120_000);

  it("should stream each ensemble candidate's text once when its worker is SIGKILLed mid-stream", async () => {
    const { redisUrl } = await testServices();
    const testDatabase = await createTestDatabase();
    // A short lock: the killed worker's candidate jobs are taken over within seconds.
    const harness = await startProducerHarness({
      redisUrl,
      databaseUrl: testDatabase.url,
      env: { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' },
    });
    harness.mock.addScenario({ fault: 'tokens=40 delay=50' });
    const first = await spawnWorkerProcess(harness.env);
    let second: Awaited<ReturnType<typeof spawnWorkerProcess>> | undefined;
    try {
      const { taskId } = await harness.submit({
        kind: 'ensemble',
        userId: 'user-1',
        models: ['gpt-5', 'deepseek-chat'],
        messages: [{ role: 'user', content: 'Compare' }],
      });
      const tokensOf = (model: string) =>
        harness.events
          .events(taskId)
          .filter((event) => event.type === 'token' && event.model === model).length;
      // Both candidates have sent part of their text when the worker dies.
      await expect
        .poll(() => Math.min(tokensOf('gpt-5'), tokensOf('deepseek-chat')), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(5);
      expect(await first.stop('SIGKILL')).toBe('SIGKILL');
      second = await spawnWorkerProcess(harness.env);
      const events = await harness.events.waitForTerminal(taskId, 60_000);
      expect(events.at(-1)?.type).toBe('done');

      // What a client shows per candidate: its tokens, emptied by its own `reset`.
      const shown = new Map<string, string>();
      for (const event of events) {
        if (event.type === 'token' && event.model !== undefined) {
          shown.set(event.model, (shown.get(event.model) ?? '') + event.text);
        } else if (event.type === 'reset' && event.model !== undefined) {
          shown.set(event.model, '');
        }
      }
      const storedResult = async () => {
        const [row] = await harness.database.query<{
          result: { candidates: { model: string; text: string | null }[] } | null;
        }>('SELECT result FROM background_tasks WHERE id = $1', [taskId]);
        return row?.result ?? null;
      };
      await expect.poll(storedResult, { timeout: 10_000 }).not.toBeNull();
      const stored = new Map(
        (await storedResult())?.candidates.map((c) => [c.model, c.text ?? '']),
      );
      expect(stored.size).toBe(2);
      expect(shown).toEqual(stored);
    } finally {
      await Promise.all([first.stop('SIGKILL'), second?.stop('SIGTERM')]);
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await testDatabase.drop();
    }
  }, 120_000);
});
