import { setTimeout as sleep } from 'node:timers/promises';
import { deletePrefix, startOwnPostgres, testServices } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { generation } from './harness/worker-harness.js';
import { startProducerHarness } from './harness/producer-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

const TASKS = 12;

describe('ledger durability', () => {
  it('should keep every ai_requests row, failed attempts included, when a worker is SIGKILLed during a Postgres outage', async () => {
    const { redisUrl } = await testServices();
    const postgresServer = await startOwnPostgres();
    const harness = await startProducerHarness({ redisUrl, databaseUrl: postgresServer.url });
    // The first attempts fail (retryable 500s), the retries succeed: each task leaves failed
    // rows that only the ledger outbox knows about; job return values carry completed rows only.
    harness.mock.addScenario({ provider: 'openai', fault: 'server_error', count: TASKS });
    const workers = [];
    try {
      const tasks = await Promise.all(
        Array.from({ length: TASKS }, (_, index) =>
          harness.submit(generation('gpt-5', `Durable ${index}`)),
        ),
      );
      await postgresServer.stop();
      const first = await spawnWorkerProcess(harness.env, { generationConcurrency: TASKS });
      workers.push(first);
      for (const task of tasks) await harness.events.waitForTerminal(task.taskId, 30_000);
      expect(
        tasks.every((task) =>
          harness.events.events(task.taskId).some((event) => event.type === 'done'),
        ),
      ).toBe(true);
      await expect.poll(() => first.stdout(), { timeout: 10_000 }).toMatch(/holding writes/);
      // Everything the ledger knows is still unwritten when the worker dies.
      expect(await first.stop('SIGKILL')).toBe('SIGKILL');

      await postgresServer.start();
      workers.push(await spawnWorkerProcess(harness.env, { ledgerClaimIdleMs: 1_000 }));
      const rejected = harness.mock
        .requests({ provider: 'openai' })
        .filter((request) => request.status === 500).length;
      expect(rejected).toBe(TASKS);
      const counts = async () =>
        (
          await harness.database
            .query<{ failed: string; completed: string; retries: string }>(
              `SELECT (SELECT count(*) FROM ai_requests WHERE status = 'failed' AND error_code = 'server_error') AS failed,
                      (SELECT count(*) FROM ai_requests WHERE status = 'completed') AS completed,
                      (SELECT sum(attempts - 1) FROM background_tasks WHERE status = 'completed') AS retries`,
            )
            .catch(() => [])
        )[0];
      await expect
        .poll(counts, { timeout: 30_000, interval: 250 })
        .toEqual({ failed: String(rejected), completed: String(TASKS), retries: String(rejected) });
    } finally {
      await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await postgresServer.destroy();
    }
  }, 120_000);

  it('should not run a finished task again when its job left Redis before its ledger write reached Postgres', async () => {
    const { redisUrl } = await testServices();
    const postgresServer = await startOwnPostgres();
    const harness = await startProducerHarness({ redisUrl, databaseUrl: postgresServer.url });
    const worker = await spawnWorkerProcess(harness.env); // reconciles every second
    try {
      // Each answer takes 3 s: the tasks finish after Postgres has gone.
      const tasks = await Promise.all(
        Array.from({ length: TASKS }, (_, index) =>
          harness.submit(generation('claude-haiku-4-5', `Once only ${index} [[mock ttft=3000]]`)),
        ),
      );
      await postgresServer.stop();
      try {
        for (const task of tasks) await harness.events.waitForTerminal(task.taskId, 30_000);
      } catch (error) {
        // A worker that died says why on stderr.
        throw new Error(`${String(error)}\nworker stderr:\n${worker.stderr().slice(-3_000)}`, {
          cause: error,
        });
      }
      // Completed-job retention ran out during the outage: Redis no longer knows these tasks.
      // (A job publishes `done` just before BullMQ marks it completed: wait for all of them.)
      const anthropic = harness.queues['generate-anthropic'];
      await expect
        .poll(async () => (await anthropic.getJobCounts('completed'))['completed'])
        .toBe(TASKS);
      await anthropic.clean(0, 1_000, 'completed');
      expect(await anthropic.getJobCounts('completed')).toEqual({
        completed: 0,
      });
      // Long enough for the reconciler's grace period to pass with the writes still held.
      await sleep(3_000);
      await postgresServer.start();

      await expect
        .poll(
          async () =>
            (
              await harness.database
                .query<{ count: string }>(
                  `SELECT count(*) FROM background_tasks WHERE status = 'completed'`,
                )
                .catch(() => [])
            )[0]?.count,
          { timeout: 30_000, interval: 250 },
        )
        .toBe(String(TASKS));
      // Give the reconciler several runs over the caught-up ledger, then count provider calls.
      await sleep(3_000);
      expect(harness.mock.requests({ provider: 'anthropic' })).toHaveLength(TASKS);
      expect(worker.stdout()).toMatch(/reconciler waits for the ledger outbox to catch up/);
      expect(worker.stdout()).not.toMatch(/reconciler repaired the queue/);
    } finally {
      await worker.stop('SIGTERM');
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await postgresServer.destroy();
    }
  }, 120_000);
});
