import { createLogger } from '@aiq/logger';
import { createRedisConnection, waitUntilReady } from '@aiq/queue';
import { deletePrefix, startOwnRedisServer, testServices, uniquePrefix } from '@aiq/testing';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, renderError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import { acceptedWork, rateLimit } from './rate-limit.js';

/** A stand-in for one API process: its own limiter instance over the shared Redis. */
function apiProcess(redis: Redis, keyPrefix: string, points: number) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('logger', createLogger({ logLevel: 'silent' }));
    c.set('user', { id: c.req.header('x-user') ?? 'anonymous', role: 'user', keyId: 'k' });
    await next();
  });
  app.use(rateLimit({ redis, keyPrefix, points }));
  app.get('/', (c) => c.text('ok'));
  app.get('/invalid', () => {
    throw new ApiError(400, 'invalid_request', 'Bad body');
  });
  app.get('/worked', (c) => {
    acceptedWork(c);
    throw new ApiError(502, 'server_error', 'Every provider failed');
  });
  app.onError(renderError);
  return app;
}

describe('rateLimit', () => {
  const prefix = uniquePrefix('ratelimit');
  let redis: Redis;
  beforeAll(async () => {
    const { redisUrl } = await testServices();
    redis = await waitUntilReady(createRedisConnection({ url: redisUrl, role: 'producer' }));
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('should answer the 11th request in a minute with 429, Retry-After and RateLimit headers, across processes', async () => {
    const first = apiProcess(redis, `${prefix}:standard`, 10);
    const second = apiProcess(redis, `${prefix}:standard`, 10);
    const headers = { 'x-user': 'alice' };
    for (let index = 0; index < 10; index += 1) {
      const response = await (index % 2 === 0 ? first : second).request('/', { headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('10');
      expect(response.headers.get('ratelimit-remaining')).toBe(String(9 - index));
      expect(response.headers.get('ratelimit-policy')).toBe('10;w=60');
    }
    const limited = await first.request('/', { headers });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBe(retryAfter);

    // Another user has a budget of their own.
    expect((await second.request('/', { headers: { 'x-user': 'bob' } })).status).toBe(200);
  });

  it('should not count requests refused for their content against the budget', async () => {
    const api = apiProcess(redis, `${prefix}:refunds`, 3);
    const headers = { 'x-user': 'carol' };
    for (let index = 0; index < 5; index += 1) {
      const refused = await api.request('/invalid', { headers });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('ratelimit-remaining')).toBe('3');
    }
    for (let index = 0; index < 3; index += 1) {
      expect((await api.request('/', { headers })).status).toBe(200);
    }
    expect((await api.request('/', { headers })).status).toBe(429);
  });

  it('should count a request whose task was accepted, even when it ends in 502', async () => {
    const api = apiProcess(redis, `${prefix}:work`, 2);
    const headers = { 'x-user': 'erin' };
    expect((await api.request('/worked', { headers })).headers.get('ratelimit-remaining')).toBe(
      '1',
    );
    expect((await api.request('/worked', { headers })).status).toBe(502);
    expect((await api.request('/', { headers })).status).toBe(429);
  });

  it('should answer 503 with Retry-After when Redis is down, never let requests through unlimited', async () => {
    const own = await startOwnRedisServer();
    const ownRedis = await waitUntilReady(
      createRedisConnection({ url: own.url, role: 'producer' }),
    );
    ownRedis.on('error', () => undefined);
    const app = apiProcess(ownRedis, `${prefix}:down`, 10);
    expect((await app.request('/', { headers: { 'x-user': 'carol' } })).status).toBe(200);
    await own.kill();
    const response = await app.request('/', { headers: { 'x-user': 'carol' } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    ownRedis.disconnect();
    await own.stop();
  });
});
