import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  canConnect,
  freePort,
  spawnNode,
  startOwnRedisServer,
  testServices,
  uniquePrefix,
} from '@aiq/testing';
import { afterEach, describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../start.ts', import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aiq-start-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('pnpm start', () => {
  it('should start Redis when none answers, serve the API on PGlite and stop everything on Ctrl-C', async () => {
    const [redisPort, apiPort, workerPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
    ]);
    const dataDir = await tempDir();
    const start = spawnNode(entry, {
      env: {
        PATH: process.env['PATH'] ?? '',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        API_PORT: String(apiPort),
        WORKER_METRICS_PORT: String(workerPort),
        DATA_DIR: dataDir,
        QUEUE_PREFIX: uniquePrefix('start'),
        MODELS_AS_OF: '2026-12-02T09:00:00Z',
      },
    });
    cleanups.push(() => start.stop('SIGKILL'));

    await start.waitForOutput(/Press Ctrl-C to stop/, 60_000);
    const out = start.stdout();
    expect(out).toContain(`Started redis-server for you, data in ${path.join(dataDir, 'redis')}`);
    expect(out).toMatch(
      /No API key for openai, anthropic, deepseek: using the mock LLM server at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(out).toContain(`Ledger: PGlite at ${path.join(dataDir, 'pglite')}, migrations applied`);
    expect(out).toContain(`API         http://127.0.0.1:${apiPort}/api/health`);
    expect(out).toContain(`Docs        http://127.0.0.1:${apiPort}/api/docs`);
    expect(out).toContain(`Bull Board  http://127.0.0.1:${apiPort}/admin/queues`);
    expect(out).toContain(
      'Models: end of life judged as of 2026-12-02T09:00:00.000Z (MODELS_AS_OF), not today\n' +
        'Warning: Model claude-sonnet-4-5 reached end of life on 2026-11-30; requests for it run on claude-sonnet-5-5\n' +
        'Warning: Model gpt-5 reaches end of life on 2026-12-11 (in 9 days); migrate to gpt-5.6-sol\n',
    );
    // Said once, not again by the API and the worker it runs.
    expect((out + start.stderr()).match(/MODELS_AS_OF/g)).toHaveLength(1);

    expect((await fetch(`http://127.0.0.1:${apiPort}/api/health`)).status).toBe(200);
    const key = /Dev API key (aiq_\S+)/.exec(out)?.[1];
    expect(key).toBeDefined();
    const board = await fetch(`http://127.0.0.1:${apiPort}/admin/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`dev:${key}`).toString('base64')}` },
    });
    expect(board.status).toBe(200);
    // The web app at `/` (built on start when missing or stale), and a signed-in address for it.
    expect(out).toContain(`Web app     http://127.0.0.1:${apiPort}/\n`);
    expect(out).toContain(`Signed in   http://127.0.0.1:${apiPort}/#key=${key ?? ''}\n`);
    const app = await fetch(`http://127.0.0.1:${apiPort}/tasks`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('<div id="root"></div>');
    const ready = await fetch(`http://127.0.0.1:${apiPort}/api/health/ready`);
    expect(ready.status).toBe(200);
    // The Redis it started keeps an append-only file: the production settings.
    expect(await readdir(path.join(dataDir, 'redis'))).toContain('appendonlydir');

    start.child.kill('SIGINT');
    expect(await start.exited()).toBe(0);
    expect(await canConnect(`redis://127.0.0.1:${redisPort}`)).toBe(false);
    expect(await canConnect(`http://127.0.0.1:${apiPort}`)).toBe(false);
  }, 120_000);

  it('should refuse in one line a Redis that may evict jobs, before serving anything', async () => {
    const redis = await startOwnRedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    cleanups.push(() => redis.stop());
    const [apiPort, workerPort] = await Promise.all([freePort(), freePort()]);
    const start = spawnNode(entry, {
      env: {
        PATH: process.env['PATH'] ?? '',
        REDIS_URL: redis.url,
        API_PORT: String(apiPort),
        WORKER_METRICS_PORT: String(workerPort),
        DATA_DIR: await tempDir(),
        QUEUE_PREFIX: uniquePrefix('start'),
      },
    });
    cleanups.push(() => start.stop('SIGKILL'));
    expect(await start.exited()).toBe(1);
    expect(start.stderr()).toMatch(
      /^aiq: Redis maxmemory-policy is "allkeys-lru", not "noeviction": .*`CONFIG SET maxmemory-policy noeviction`.*\n$/,
    );
    expect(start.stderr().trim().split('\n')).toHaveLength(1);
    expect(await canConnect(`http://127.0.0.1:${apiPort}`)).toBe(false);
  }, 120_000);

  it('should say in one line how to get Redis when there is none and no redis-server', async () => {
    const redisPort = await freePort();
    const start = spawnNode(entry, {
      env: {
        PATH: '/nonexistent',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        DATA_DIR: await tempDir(),
      },
    });
    expect(await start.exited()).toBe(1);
    expect(start.stderr()).toMatch(
      /^aiq: No Redis at 127\.0\.0\.1:\d+ and no redis-server on PATH: start one with `docker compose up -d redis`.*\n$/,
    );
    expect(start.stderr().trim().split('\n')).toHaveLength(1);
  });

  it('should stop at a bad variable with its one-line error before starting anything', async () => {
    const start = spawnNode(entry, {
      env: { REDIS_URL: 'http://wrong', DATA_DIR: await tempDir() },
    });
    expect(await start.exited()).toBe(1);
    expect(start.stderr()).toBe(
      'aiq: configuration error: REDIS_URL is invalid: expected a redis:// or rediss:// URL\n',
    );
  });

  it('should stop the redis-server it started when start-up fails later, in one line', async () => {
    const [redisPort, workerPort] = await Promise.all([freePort(), freePort()]);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => holder.close(resolve)));
    const apiPort = (holder.address() as net.AddressInfo).port;
    const start = spawnNode(entry, {
      env: {
        PATH: process.env['PATH'] ?? '',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        API_PORT: String(apiPort),
        WORKER_METRICS_PORT: String(workerPort),
        DATA_DIR: await tempDir(),
        QUEUE_PREFIX: uniquePrefix('start'),
      },
    });
    cleanups.push(() => start.stop('SIGKILL'));
    expect(await start.exited()).toBe(1);
    expect(start.stdout()).toContain('Started redis-server for you');
    expect(start.stderr()).toBe(
      `aiq: API_PORT: 127.0.0.1:${apiPort} is in use; choose a free port\n`,
    );
    expect(await canConnect(`redis://127.0.0.1:${redisPort}`)).toBe(false);
    expect(await canConnect(`http://127.0.0.1:${workerPort}`)).toBe(false);
  }, 120_000);

  it('should create a random development key on the first start, keep it under DATA_DIR, reuse it, and refuse the old public key', async () => {
    const { redisUrl } = await testServices();
    const [dataDir, otherDataDir] = [await tempDir(), await tempDir()];
    async function startOnce(dir: string): Promise<string> {
      const apiPort = await freePort();
      const start = spawnNode(entry, {
        env: {
          PATH: process.env['PATH'] ?? '',
          REDIS_URL: redisUrl,
          API_PORT: String(apiPort),
          WORKER_METRICS_PORT: '0',
          DATA_DIR: dir,
          QUEUE_PREFIX: uniquePrefix('start'),
        },
      });
      cleanups.push(() => start.stop('SIGKILL'));
      await start.waitForOutput(/Press Ctrl-C to stop/, 90_000);
      const key = /Dev API key (\S+)/.exec(start.stdout())?.[1] ?? '';
      const tasks = (bearer: string) =>
        fetch(`http://127.0.0.1:${apiPort}/api/tasks`, {
          headers: { authorization: `Bearer ${bearer}` },
        });
      expect((await tasks(key)).status).toBe(200);
      // The key every earlier aiq printed in its README: public, so never accepted.
      expect((await tasks('aiq_development_key_for_local_use_only_00000000')).status).toBe(401);
      start.child.kill('SIGINT');
      expect(await start.exited()).toBe(0);
      return key;
    }

    const first = await startOnce(dataDir);
    expect(first).toMatch(/^aiq_[A-Za-z0-9_-]{43}$/);
    const file = path.join(dataDir, 'development-api-key');
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await startOnce(dataDir)).toBe(first);
    expect(await startOnce(otherDataDir)).not.toBe(first);
  }, 300_000);
});
