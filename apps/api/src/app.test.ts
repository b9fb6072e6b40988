import { loadConfig } from '@aiq/config';
import { createPgliteDatabase, type Database } from '@aiq/db';
import { createApiKey } from '@aiq/auth';
import { createLogger } from '@aiq/logger';
import { createModelRegistry, fixedClock } from '@aiq/providers';
import { createTaskEventPublisher } from '@aiq/events';
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  waitUntilReady,
  type Queues,
} from '@aiq/queue';
import { deletePrefix, TEST_NOW, testServices, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SSE_SETTINGS } from './api-deps.js';
import { createApiMetrics } from './api-metrics.js';
import { createApp, type App } from './app.js';
import { createTaskEventFanOut, type TaskEventFanOut } from './sse/task-event-fan-out.js';

describe('API app', () => {
  const prefix = uniquePrefix('api');
  let database: Database;
  let redis: Redis;
  let queues: Queues;
  let app: App;
  let fanOut: TaskEventFanOut;

  beforeAll(async () => {
    const { redisUrl } = await testServices();
    const config = loadConfig({
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      API_MAX_BODY_BYTES: '2048',
    });
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    redis = await waitUntilReady(createRedisConnection({ url: redisUrl, role: 'producer' }));
    queues = createQueues(redis, prefix);
    const models = createModelRegistry({ clock: fixedClock(TEST_NOW) });
    app = createApp({
      config,
      logger: createLogger(config),
      database,
      redis,
      queues,
      models,
      events: createTaskEventPublisher({ redis, prefix }),
      fanOut: (fanOut = createTaskEventFanOut({
        subscriber: createRedisConnection({ url: redisUrl, role: 'worker' }),
        prefix,
        logger: createLogger(config),
      })),
      sse: DEFAULT_SSE_SETTINGS,
      metrics: createApiMetrics({ redis, prefix, queues, models, fanOut }),
    });
  });
  afterAll(async () => {
    await fanOut.close();
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await database.close();
  });

  it('should answer liveness with 200', async () => {
    const response = await app.request('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('should report not ready with the reason while migrations are pending, then ready', async () => {
    const { available } = await database.migrationStatus();
    expect(available).toBeGreaterThan(0);
    const before = await app.request('/api/health/ready');
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({
      status: 'not_ready',
      checks: {
        redis: { ok: true },
        postgres: { ok: true },
        migrations: { ok: false, detail: `${available} migration(s) pending` },
      },
    });

    await database.migrate();
    const after = await app.request('/api/health/ready');
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({
      status: 'ready',
      queues: { 'generate-openai': { wait: 0, active: 0, delayed: 0, failed: 0 } },
      // At TEST_NOW (2026-11-28T09:00Z) Claude Sonnet 4.5 is two days from its end of life.
      warnings: [
        'Model claude-sonnet-4-5 reaches end of life on 2026-11-30 (in 2 days); migrate to claude-sonnet-5-5',
        'Model gpt-5 reaches end of life on 2026-12-11 (in 13 days); migrate to gpt-5.6-sol',
      ],
    });
  });

  it('should answer unknown routes with a JSON 404', async () => {
    const response = await app.request('/api/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'No route for GET /api/nope' },
    });
  });

  it('should refuse a body over the limit with 413', async () => {
    const response = await app.request('/api/health', {
      method: 'POST',
      body: 'x'.repeat(4096),
      headers: { 'content-type': 'text/plain', 'content-length': '4096' },
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('should serve the OpenAPI document and the docs page', async () => {
    const document = await app.request('/api/openapi.json');
    expect(document.status).toBe(200);
    const openapi = (await document.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths).sort()).toEqual([
      '/api/admin/notice',
      '/api/admin/operations',
      '/api/admin/providers',
      '/api/admin/providers/{name}/disable',
      '/api/admin/providers/{name}/enable',
      '/api/admin/tasks/bulk-retry',
      '/api/ai/background-task',
      '/api/ai/background-task/retry',
      '/api/ai/ensemble',
      '/api/ai/generate',
      '/api/health',
      '/api/health/ready',
      '/api/status',
      '/api/tasks',
      '/api/tasks/catalog',
      '/api/tasks/{id}',
      '/api/tasks/{id}/events',
      '/api/tasks/{id}/retry',
      '/api/tasks/{id}/stream-token',
      '/v1/chat/completions',
      '/v1/models',
    ]);
    const docs = await app.request('/api/docs');
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await docs.text();
    expect(html).toContain('src="/api/docs/assets/swagger-ui-bundle.js"');
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
    const initialize = await app.request('/api/docs/assets/initialize.js');
    expect(await initialize.text()).toContain('"url":"/api/openapi.json"');
    const bundle = await app.request('/api/docs/assets/swagger-ui-bundle.js');
    expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await app.request('/api/docs/assets/package.json')).status).toBe(404);
    // Found by the route fuzzer (test/fuzz-routes.test.ts): names of Object.prototype were a 500.
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const inherited = await app.request(`/api/docs/assets/${name}`);
      expect(inherited.status).toBe(404);
      expect(await inherited.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('should serve Bull Board over the aiq queues to operators only', async () => {
    const anonymous = await app.request('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="aiq"/);
    const user = await createApiKey(database, { userId: 'plain-user' });
    const forbidden = await app.request('/admin/queues/api/queues', {
      headers: { authorization: `Bearer ${user.key}` },
    });
    expect(forbidden.status).toBe(403);

    const operator = await createApiKey(database, { userId: 'ops', role: 'operator' });
    // Browsers send the key as the Basic password after the prompt.
    const basic = `Basic ${Buffer.from(`ops:${operator.key}`).toString('base64')}`;
    const page = await app.request('/admin/queues', { headers: { authorization: basic } });
    expect(page.status).toBe(200);
    const response = await app.request('/admin/queues/api/queues', {
      headers: { authorization: basic },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { queues: { name: string }[] };
    expect(body.queues.map((queue) => queue.name).sort()).toEqual([
      'background-task',
      'dead-letter',
      'generate-anthropic',
      'generate-deepseek',
      'generate-openai',
    ]);
  });

  it('should carry a request id on every response', async () => {
    const response = await app.request('/api/health');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
