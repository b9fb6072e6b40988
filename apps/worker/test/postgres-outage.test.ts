import { setTimeout as sleep } from 'node:timers/promises';
import { deletePrefix, startOwnPostgres, testServices } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { generation } from './harness/worker-harness.js';
import { startProducerHarness } from './harness/producer-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

const MODELS = ['gpt-5', 'claude-haiku-4-5', 'deepseek-chat'];
const OUTAGE_MS = 10_000;

describe('ledger', () => {
  it('should lose no ai_requests row while Postgres is stopped for 10 s under load', async () => {
    const { redisUrl } = await testServices();
    const postgresServer = await startOwnPostgres();
    const harness = await startProducerHarness({ redisUrl, databaseUrl: postgresServer.url });
    // Jobs of about 2 s, 4 at a time per provider queue: 150 jobs keep the worker busy for about
    // 25 s, so the outage falls inside the load even when submitting and stopping Postgres are
    // slow on a loaded CI machine (with 10 at a time the work could end before the outage began).
    harness.mock.addScenario({ fault: 'tokens=20 delay=100' });
    const worker = await spawnWorkerProcess(harness.env, { generationConcurrency: 4 });
    try {
      const tasks = await Promise.all(
        Array.from({ length: 150 }, (_, index) =>
          harness.submit(generation(MODELS[index % 3] ?? 'gpt-5', `Under load ${index}`)),
        ),
      );
      // Stop Postgres only once the load is under way: on a loaded machine the worker may still
      // be picking up its first jobs when the submissions return.
      await expect
        .poll(
          () =>
            tasks.some((task) =>
              harness.events.events(task.taskId).some((event) => event.type === 'token'),
            ),
          { timeout: 30_000, interval: 50 },
        )
        .toBe(true);
      const stoppedAt = Date.now();
      await postgresServer.stop();
      const stopTook = Date.now() - stoppedAt;
      await sleep(OUTAGE_MS); // the outage itself: how long Postgres stays down
      // The worker kept running providers while the ledger was unreachable. This used to fail
      // about one run in ten: a ledger transaction with a query in flight when Postgres went
      // away made postgres-js write its ROLLBACK to a closed socket from a setImmediate, an
      // uncaught TypeError that killed the worker (patches/postgres@3.4.9.patch).
      const restartedAt = Date.now();
      const { exitCode, signalCode } = worker.child;
      expect({ exitCode, signalCode }, worker.stderr()).toEqual({
        exitCode: null,
        signalCode: null,
      });
      const duringOutage = tasks
        .flatMap((task) => harness.events.events(task.taskId))
        .filter((event) => event.at > stoppedAt + stopTook && event.at < restartedAt);
      expect(duringOutage.length).toBeGreaterThan(0);
      await postgresServer.start();

      for (const task of tasks) await harness.events.waitForTerminal(task.taskId, 60_000);
      // An attempt's row and its task's end are separate outbox entries, possibly in separate
      // batches: wait for both to be written.
      await expect
        .poll(
          async () =>
            (
              await harness.database
                .query<{ attempts: string; tasks: string }>(
                  `SELECT (SELECT count(*) FROM ai_requests WHERE status = 'completed') AS attempts,
                          (SELECT count(*) FROM background_tasks WHERE status = 'completed') AS tasks`,
                )
                .catch(() => [{ attempts: 'unreachable', tasks: 'unreachable' }])
            )[0],
          { timeout: 30_000, interval: 250 },
        )
        .toEqual({ attempts: '150', tasks: '150' });
      expect(worker.stdout()).toMatch(/holding writes until Postgres answers/);
      expect(worker.stdout()).toMatch(/ledger writes resumed/);
      expect(worker.stdout()).not.toMatch(/ledger buffer full/);
    } finally {
      await worker.stop('SIGTERM');
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await postgresServer.destroy();
    }
  }, 120_000);
});
