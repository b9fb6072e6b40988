import { startOwnRedisServer, type OwnRedisServer } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';

describe('with Redis unreachable', () => {
  let redis: OwnRedisServer;
  let api: TestApi;
  let alice: Record<string, string>;
  let taskId: string;
  beforeAll(async () => {
    redis = await startOwnRedisServer();
    api = await startTestApi({ REDIS_URL: redis.url });
    alice = await api.keyFor('alice');
    const response = await api.app.request('/api/ai/generate', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-5', prompt: 'Hi', stream: false }),
      headers: { 'content-type': 'application/json', ...alice },
    });
    taskId = ((await response.json()) as { taskId: string }).taskId;
    await redis.kill();
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  it.each([
    ['POST', '/api/ai/generate', { model: 'gpt-5', prompt: 'Hi', stream: false }],
    ['POST', '/api/ai/background-task', { type: 'ai_background_generation', input: {} }],
    [
      'POST',
      '/v1/chat/completions',
      { model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }] },
    ],
    ['GET', '/api/tasks/{id}/events', undefined],
    ['POST', '/api/tasks/{id}/stream-token', undefined],
  ])('should answer %s %s fast with 503 and Retry-After', async (method, path, body) => {
    const started = performance.now();
    const response = await api.app.request(path.replace('{id}', taskId), {
      method,
      headers: { 'content-type': 'application/json', ...alice },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(performance.now() - started).toBeLessThan(3_000);
    const json = (await response.json()) as { error: { code: string } };
    expect(json.error.code).toBe('service_unavailable');
  });

  it('should say Redis is down on /api/health/ready without its error text', async () => {
    const response = await api.app.request('/api/health/ready');
    expect(response.status).toBe(503);
    const body = (await response.json()) as { checks: { redis: unknown } };
    // Anyone may read readiness: no host, port or driver message (the log has them).
    expect(body.checks.redis).toEqual({ ok: false, detail: 'unreachable' });
  });

  it('should still serve what Postgres alone can answer', async () => {
    const response = await api.app.request(`/api/tasks/${taskId}`, { headers: alice });
    expect(await response.json()).toMatchObject({ id: taskId, status: 'pending' });
  });
});
