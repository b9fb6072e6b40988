import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort, spawnNode, startOwnRedisServer, uniquePrefix } from '@aiq/testing';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('worker process', () => {
  it('should warn loudly about an evicting Redis, serve /health, and exit 0 on SIGTERM', async () => {
    const redis = await startOwnRedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    const port = await freePort();
    const dataDir = `/tmp/${uniquePrefix('worker-data')}`;
    const worker = spawnNode(entry, {
      env: { REDIS_URL: redis.url, WORKER_METRICS_PORT: String(port), DATA_DIR: dataDir },
    });
    try {
      await worker.waitForOutput(/worker started/);
      expect(worker.stdout()).toMatch(/"level":40.*maxmemory-policy is \\"allkeys-lru\\"/);
      const healthy = await fetch(`http://127.0.0.1:${port}/health`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toMatchObject({
        status: 'ok',
        ledger: { buffered: 0, written: 0, dropped: 0, failedFlushes: 0 },
      });

      // Redis gone: the worker stays up (it waits for Redis) and says it is unavailable.
      await redis.kill();
      await expect
        .poll(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status, {
          timeout: 5_000,
        })
        .toBe(503);
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
