import { createLogger } from '@aiq/logger';
import { createRedisConnection, waitUntilReady } from '@aiq/queue';
import { startOwnRedisServer, type OwnRedisServer } from '@aiq/testing';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderError } from './api-error.js';
import type { AppEnv } from './app-env.js';

describe('renderError', () => {
  let server: OwnRedisServer;
  let redis: Redis;
  beforeAll(async () => {
    // A Redis already at its maxmemory, refusing every write as `noeviction` does.
    server = await startOwnRedisServer({
      args: ['--maxmemory', '1', '--maxmemory-policy', 'noeviction'],
    });
    redis = await waitUntilReady(createRedisConnection({ url: server.url, role: 'producer' }));
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('should answer a write Redis refused for want of memory with 503 and Retry-After, not 500', async () => {
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set('logger', createLogger({ logLevel: 'silent' }));
      await next();
    });
    app.post('/write', async (c) => c.json({ set: await redis.set('key', 'value') }));
    app.onError(renderError);

    const response = await app.request('/write', { method: 'POST' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({
      error: { code: 'service_unavailable', message: 'Redis is out of memory; retry shortly' },
    });
  });
});
