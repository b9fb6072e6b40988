import { fileURLToPath } from 'node:url';
import { createTestDatabase, deletePrefix, spawnNode, testServices } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { generation } from './harness/worker-harness.js';
import { startProducerHarness } from './harness/producer-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

const workerMain = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('SIGTERM', () => {
  it('should let active jobs finish within the grace period, hand the rest back, and exit 0', async () => {
    const { redisUrl } = await testServices();
    const testDatabase = await createTestDatabase();
    const harness = await startProducerHarness({ redisUrl, databaseUrl: testDatabase.url });
    const worker = await spawnWorkerProcess(harness.env, { shutdownGraceMs: 1_500 });
    let successor: Awaited<ReturnType<typeof spawnWorkerProcess>> | undefined;
    try {
      const quick = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          harness.submit(generation('gpt-5', `Quick ${index} [[mock tokens=10 delay=50]]`)),
        ),
      );
      const slow = await harness.submit(
        generation('deepseek-chat', 'Slow [[mock tokens=60 delay=50]]'),
      );
      for (const task of [...quick, slow]) {
        await harness.events.waitFor(task.taskId, (event) => event.type === 'token');
      }
      const signalledAt = Date.now();
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(5_000);

      for (const task of quick) {
        expect(harness.events.events(task.taskId).at(-1)).toMatchObject({ type: 'done' });
      }
      expect(harness.events.events(slow.taskId).some((event) => event.type === 'done')).toBe(false);
      // Nothing is left locked: the slow job went back to the queue, not to the stalled check.
      const counts = await harness.queues['generate-deepseek'].getJobCounts(
        'active',
        'wait',
        'delayed',
      );
      expect(counts).toEqual({ active: 0, wait: 0, delayed: 1 });

      successor = await spawnWorkerProcess(harness.env);
      const events = await harness.events.waitForTerminal(slow.taskId, 30_000);
      expect(events.at(-1)).toMatchObject({ type: 'done' });
      expect(events.filter((event) => event.type === 'reset')).toHaveLength(1);
      // The interrupted call is on record as handed back, not as a user's cancel.
      await expect
        .poll(
          () =>
            harness.database.query(
              `SELECT status, error_code, partial FROM ai_requests WHERE task_id = $1
               ORDER BY created_at`,
              [slow.taskId],
            ),
          { timeout: 10_000, interval: 200 },
        )
        .toEqual([
          { status: 'cancelled', error_code: 'worker_shutdown', partial: true },
          { status: 'completed', error_code: null, partial: false },
        ]);
    } finally {
      await Promise.all([worker.stop('SIGKILL'), successor?.stop('SIGTERM')]);
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await testDatabase.drop();
    }
  }, 90_000);

  // Long on purpose: the drain used to be cut at 30 s whatever WORKER_SHUTDOWN_GRACE_MS said.
  it('should let a job longer than 30 s finish when WORKER_SHUTDOWN_GRACE_MS allows it, then exit 0', async () => {
    const { redisUrl } = await testServices();
    const testDatabase = await createTestDatabase();
    const harness = await startProducerHarness({ redisUrl, databaseUrl: testDatabase.url });
    // The production entry point, configured only through the environment.
    const worker = spawnNode(workerMain, {
      env: { ...harness.env, LOG_LEVEL: 'info', WORKER_SHUTDOWN_GRACE_MS: '60000' },
    });
    try {
      await worker.waitForOutput(/worker started/);
      // 36 tokens a second apart: about 36 s of streaming.
      const slow = await harness.submit(
        generation('gpt-5.6-sol', 'Slow [[mock tokens=36 delay=1000]]'),
      );
      await harness.events.waitFor(slow.taskId, (event) => event.type === 'token');
      const signalledAt = Date.now();
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(Date.now() - signalledAt).toBeGreaterThan(30_000);
      expect(harness.events.events(slow.taskId).at(-1)).toMatchObject({ type: 'done' });
      expect(worker.stdout()).not.toMatch(/shutdown timed out/);
    } finally {
      await worker.stop('SIGKILL');
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await testDatabase.drop();
    }
  }, 120_000);
});
