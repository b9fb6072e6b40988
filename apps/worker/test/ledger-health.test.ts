import { randomUUID } from 'node:crypto';
import { loadConfig } from '@aiq/config';
import { createPostgresDatabase } from '@aiq/db';
import { ledgerStreamKey } from '@aiq/ledger';
import { createLogger } from '@aiq/logger';
import { connectTestRedis, deletePrefix, TEST_NOW, testServices, uniquePrefix } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../src/start-worker.js';

describe('worker /health and the ledger writer', () => {
  it('should answer 503 ledger_stuck once its ledger writer has held a batch beyond the threshold', async () => {
    const prefix = uniquePrefix('ledger-health');
    const config = loadConfig({
      REDIS_URL: (await testServices()).redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      WORKER_METRICS_PORT: '0',
      MODELS_AS_OF: TEST_NOW,
    });
    // A Postgres that never answers: the writer cannot write what it reads.
    const database = createPostgresDatabase({
      url: 'postgres://postgres@127.0.0.1:1/none',
      poolSize: 1,
      connectTimeoutSeconds: 1,
    });
    const redis = await connectTestRedis();
    const worker = await startWorker({
      config,
      logger: createLogger(config),
      database,
      settings: { ledgerStuckAfterMs: 300, reconcileIntervalMs: 3_600_000 },
    });
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${worker.healthPort}/health`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });
      const update = { kind: 'started', taskId: randomUUID(), attempt: 1, at: 0 };
      await redis.xadd(
        ledgerStreamKey(prefix),
        '*',
        'op',
        JSON.stringify({ kind: 'task', update }),
      );
      await expect.poll(health, { timeout: 10_000 }).toMatchObject({
        status: 503,
        body: { status: 'ledger_stuck', ledger: { buffered: expect.any(Number) } },
      });
      const { body } = await health();
      expect(
        (body['ledger'] as { pendingBatchAgeMs: number }).pendingBatchAgeMs,
      ).toBeGreaterThanOrEqual(300);
      // Lets close() finish at once: its flush waits for the outbox to empty.
      await redis.del(ledgerStreamKey(prefix));
    } finally {
      await worker.close();
      await database.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
    }
  }, 30_000);
});
