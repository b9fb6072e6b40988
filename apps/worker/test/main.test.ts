import { rm } from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  spawnNode,
  startOwnRedisServer,
  uniquePrefix,
  type SpawnedProcess,
} from '@aiq/testing';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('worker process', () => {
  it('should refuse in one line a Redis that may evict jobs, saying how to fix it', async () => {
    const redis = await startOwnRedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    const dataDir = `/tmp/${uniquePrefix('worker-data')}`;
    const worker = spawnNode(entry, {
      env: { REDIS_URL: redis.url, WORKER_METRICS_PORT: '0', DATA_DIR: dataDir },
    });
    try {
      expect(await worker.exited()).toBe(1);
      expect(worker.stderr()).toMatch(
        /^aiq: Redis maxmemory-policy is "allkeys-lru", not "noeviction": .*`CONFIG SET maxmemory-policy noeviction`.*redis\.conf.*\n$/,
      );
      expect(worker.stderr().trim().split('\n')).toHaveLength(1);
    } finally {
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('should serve /health, and exit 0 on SIGTERM', async () => {
    const redis = await startOwnRedisServer({ args: ['--maxmemory-policy', 'noeviction'] });
    const port = await freePort();
    const dataDir = `/tmp/${uniquePrefix('worker-data')}`;
    const worker = spawnNode(entry, {
      env: { REDIS_URL: redis.url, WORKER_METRICS_PORT: String(port), DATA_DIR: dataDir },
    });
    try {
      await worker.waitForOutput(/worker started/, 90_000);
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
  }, 120_000);

  it('should start a second worker on one host on a free port when the default is taken, and say where', async () => {
    const redis = await startOwnRedisServer();
    const dataDirs = [1, 2].map((index) => `/tmp/${uniquePrefix(`worker-data-${index}`)}`);
    // WORKER_METRICS_PORT unset: the default, as `pnpm start:worker` twice on one host.
    const [first, second] = dataDirs.map((dataDir) =>
      spawnNode(entry, { env: { REDIS_URL: redis.url, DATA_DIR: dataDir } }),
    ) as [SpawnedProcess, SpawnedProcess];
    try {
      const ports: number[] = [];
      for (const worker of [first, second]) {
        const [line] = await worker.waitForOutput(/.*"msg":"worker started".*/, 90_000);
        ports.push((JSON.parse(line) as { port: number }).port);
      }
      expect(new Set(ports).size).toBe(2);
      for (const port of ports) {
        expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      }
      // Whichever found 9464 taken said so, and where it listens instead.
      expect(first.stdout() + second.stdout()).toMatch(
        /WORKER_METRICS_PORT is unset and 127\.0\.0\.1:9464 is in use: health and metrics on 127\.0\.0\.1:\d+/,
      );
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
      expect(await second.stop('SIGTERM')).toBe(0);
      await redis.stop();
      for (const dataDir of dataDirs) await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('should stop in one line naming WORKER_METRICS_PORT when the port it sets is taken', async () => {
    const redis = await startOwnRedisServer();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    const dataDir = `/tmp/${uniquePrefix('worker-data')}`;
    try {
      const worker = spawnNode(entry, {
        env: { REDIS_URL: redis.url, WORKER_METRICS_PORT: String(port), DATA_DIR: dataDir },
      });
      expect(await worker.exited()).toBe(1);
      expect(worker.stderr()).toBe(
        `aiq: WORKER_METRICS_PORT: 127.0.0.1:${port} is in use; choose a free port, or unset it to let the worker pick one\n`,
      );
    } finally {
      holder.close();
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
