import { rm } from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, spawnNode, startOwnRedisServer, testServices, uniquePrefix } from '@aiq/testing';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('api process', () => {
  it('should stop at start-up with one line naming a bad variable, without its value', async () => {
    const api = spawnNode(entry, {
      env: { API_PORT: 'not-a-port', OPENAI_API_KEY: 'sk-secret-value' },
    });
    expect(await api.exited()).toBe(1);
    expect(api.stderr()).toBe(
      'aiq: configuration error: API_PORT is invalid: expected an integer from 0 to 65535\n',
    );
    expect(api.stdout() + api.stderr()).not.toContain('sk-secret-value');
  });

  it('should serve /api/health and exit 0 on SIGTERM', async () => {
    const { redisUrl } = await testServices();
    const port = await freePort();
    const dataDir = `/tmp/${uniquePrefix('api-data')}`;
    const api = spawnNode(entry, {
      env: {
        API_PORT: String(port),
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: uniquePrefix('api-main'),
        DATA_DIR: dataDir,
      },
    });
    try {
      await api.waitForOutput(/api listening/, 60_000);
      const response = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(response.status).toBe(200);
    } finally {
      expect(await api.stop('SIGTERM')).toBe(0);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('should refuse in one line to start on a Redis that may evict jobs', async () => {
    const redis = await startOwnRedisServer({ args: ['--maxmemory-policy', 'allkeys-random'] });
    const port = await freePort();
    const dataDir = `/tmp/${uniquePrefix('api-data')}`;
    const api = spawnNode(entry, {
      env: { API_PORT: String(port), REDIS_URL: redis.url, DATA_DIR: dataDir },
    });
    try {
      expect(await api.exited()).toBe(1);
      expect(api.stderr()).toMatch(
        /^aiq: Redis maxmemory-policy is "allkeys-random", not "noeviction": .*`CONFIG SET maxmemory-policy noeviction`.*\n$/,
      );
      expect(api.stderr().trim().split('\n')).toHaveLength(1);
    } finally {
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('should stop in one line naming API_PORT when that port is taken', async () => {
    const { redisUrl } = await testServices();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    const dataDir = `/tmp/${uniquePrefix('api-data')}`;
    try {
      const api = spawnNode(entry, {
        env: { API_PORT: String(port), REDIS_URL: redisUrl, DATA_DIR: dataDir },
      });
      expect(await api.exited()).toBe(1);
      expect(api.stderr()).toBe(`aiq: API_PORT: 127.0.0.1:${port} is in use; choose a free port\n`);
    } finally {
      holder.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
