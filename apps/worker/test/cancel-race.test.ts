import { createTestDatabase, deletePrefix, startTcpProxy, testServices } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { startProducerHarness } from './harness/producer-harness.js';
import { generation } from './harness/worker-harness.js';
import { spawnWorkerProcess } from './harness/worker-process.js';

/**
 * A cancel and a worker's end race on two paths: the API writes `cancelled` straight to
 * Postgres, the worker's end goes through the ledger outbox. The worker reaches Postgres
 * through a proxy the test can hold, so its write is late on purpose.
 */
async function startRace() {
  const { redisUrl } = await testServices();
  const database = await createTestDatabase();
  const proxy = await startTcpProxy(database.url);
  const harness = await startProducerHarness({ redisUrl, databaseUrl: database.url });
  const worker = await spawnWorkerProcess({ ...harness.env, DATABASE_URL: proxy.url });
  const statusOf = async (taskId: string) =>
    (
      await harness.database.query<{ status: string; error_code: string | null }>(
        'SELECT status, error_code FROM background_tasks WHERE id = $1',
        [taskId],
      )
    )[0];
  return {
    harness,
    proxy,
    statusOf,
    close: async () => {
      await worker.stop('SIGTERM');
      await deletePrefix(harness.redis, harness.config.redis.prefix);
      await harness.close();
      await proxy.close();
      await database.drop();
    },
  };
}

describe('a cancel racing the end of a task', () => {
  it("should keep the worker's result when the cancel comes after the task finished but before its ledger write reached Postgres", async () => {
    const { harness, proxy, statusOf, close } = await startRace();
    try {
      const { taskId } = await harness.submit(
        generation('gpt-5', 'Finish first [[mock ttft=300]]'),
      );
      await harness.events.waitFor(taskId, (event) => event.type === 'started');
      await expect.poll(() => statusOf(taskId)).toMatchObject({ status: 'processing' });
      proxy.hold();
      const events = await harness.events.waitForTerminal(taskId);
      expect(events.at(-1)?.type).toBe('done');

      expect(await harness.cancel(taskId)).toEqual({ cancelled: false });
      proxy.release();
      await expect
        .poll(() => statusOf(taskId), { timeout: 15_000 })
        .toEqual({ status: 'completed', error_code: null });
      expect(harness.events.events(taskId).map((event) => event.type)).not.toContain('cancelled');
    } finally {
      proxy.release();
      await close();
    }
  }, 60_000);

  it('should end the task cancelled, with no result, when the cancel comes first and the worker finishes later', async () => {
    const { harness, proxy, statusOf, close } = await startRace();
    try {
      const { taskId } = await harness.submit(
        generation('gpt-5', 'Cancelled first [[mock ttft=1500]]'),
      );
      await harness.events.waitFor(taskId, (event) => event.type === 'started');
      await expect.poll(() => statusOf(taskId)).toMatchObject({ status: 'processing' });
      // The worker's writes are late, whatever it does after this.
      proxy.hold();
      expect(await harness.cancel(taskId)).toEqual({ cancelled: true });
      const events = await harness.events.waitForTerminal(taskId);
      expect(events.at(-1)?.type).toBe('cancelled');
      proxy.release();
      // Everything the worker recorded has reached Postgres once its outbox is empty.
      await expect
        .poll(() => harness.redis.xlen(`${harness.config.redis.prefix}:ledger`), {
          timeout: 15_000,
        })
        .toBe(0);
      expect(await statusOf(taskId)).toEqual({ status: 'cancelled', error_code: 'cancelled' });
      expect(harness.events.events(taskId).map((event) => event.type)).not.toContain('done');
    } finally {
      proxy.release();
      await close();
    }
  }, 60_000);
});
