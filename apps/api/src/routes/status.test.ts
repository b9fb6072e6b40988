import { createCircuitBreaker, disableTarget } from '@aiq/routing';
import { TEST_NOW } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';

const request = (api: TestApi, path: string, init: RequestInit = {}) => api.app.request(path, init);

describe('GET /api/status on a troubled fleet', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    const { redis, config, database } = api.deps;
    // openai switched off by an operator, anthropic's circuit open for a minute, deepseek
    // failing 2 calls in 20 over the last 5 minutes (10 %).
    await disableTarget(redis, api.prefix, 'openai', {
      reason: 'secret internal reason',
      actor: 'ops-ana',
      at: Date.parse(TEST_NOW),
    });
    const breaker = createCircuitBreaker({
      redis,
      prefix: api.prefix,
      options: { ...config.circuit, resetMs: 60_000, maxResetMs: 60_000 },
    });
    for (let index = 0; index < config.circuit.failureThreshold; index += 1) {
      await breaker.record('anthropic', 'claude-sonnet-5-5', 'failure');
    }
    await database.query(
      `INSERT INTO ai_requests (user_id, provider, model, status, error_code)
       SELECT 'u', 'deepseek', 'deepseek-chat',
              CASE WHEN n <= 2 THEN 'failed' ELSE 'completed' END,
              CASE WHEN n <= 2 THEN 'server_error' END
       FROM generate_series(1, 20) AS n`,
    );
  });
  afterAll(() => api.close());

  it('should show outage for a disabled provider and an open circuit, degraded for a high error rate, without a key', async () => {
    const response = await request(api, '/api/status');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=5');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      status: 'degraded',
      providers: { anthropic: 'outage', deepseek: 'degraded', openai: 'outage' },
      notice: null,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
  });

  it('should leave internals out: no reasons, actors, circuit details or counts', async () => {
    const text = await (await request(api, '/api/status')).text();
    for (const internal of [
      'secret internal reason',
      'ops-ana',
      'consecutive_failures',
      'half_open',
      'calls',
      'claude-sonnet',
    ]) {
      expect(text).not.toContain(internal);
    }
  });

  it('should be in the OpenAPI document, without security', async () => {
    const document = (await (await request(api, '/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(document.paths['/api/status']?.['get']).toBeDefined();
    expect(document.paths['/api/status']?.['get']?.security).toBeUndefined();
    expect(document.paths['/api/admin/notice']?.['put']?.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe('the status notice', () => {
  let api: TestApi;
  let operator: Record<string, string>;
  let user: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi();
    operator = await api.keyFor('ops-1', 'operator');
    user = await api.keyFor('user-1');
  });
  afterAll(() => api.close());

  const put = (headers: Record<string, string>, body: unknown) =>
    request(api, '/api/admin/notice', {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const status = async () =>
    (await (await request(api, '/api/status')).json()) as {
      status: string;
      providers: Record<string, string>;
      notice: unknown;
    };

  it('should serve every provider operational on a quiet fleet, and cache the answer', async () => {
    expect(await status()).toMatchObject({
      status: 'operational',
      providers: { anthropic: 'operational', deepseek: 'operational', openai: 'operational' },
      notice: null,
    });
    // Changed behind the API's back: this process keeps its answer for the cache's 5 s.
    await disableTarget(api.deps.redis, api.prefix, 'deepseek', {
      reason: 'x',
      actor: 'y',
      at: Date.parse(TEST_NOW),
    });
    expect((await status()).providers['deepseek']).toBe('operational');
  });

  it('should refuse to set or clear a notice without an operator key', async () => {
    expect((await put({}, { message: 'x' })).status).toBe(401);
    expect((await put(user, { message: 'x' })).status).toBe(403);
    const cleared = await request(api, '/api/admin/notice', { method: 'DELETE', headers: user });
    expect(cleared.status).toBe(403);
    const empty = await put(operator, { message: '  ' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: 'invalid_request' } });
    expect((await status()).notice).toBeNull();
  });

  it('should show a notice set by an operator at once, clear it, and audit both', async () => {
    const set = await put(operator, {
      message: 'OpenAI is down; answers come from Claude',
      severity: 'major',
    });
    expect(set.status).toBe(200);
    // A change here refreshes this process's cache, so the switch above shows too.
    expect(await status()).toMatchObject({
      status: 'degraded',
      providers: { deepseek: 'outage' },
      notice: {
        message: 'OpenAI is down; answers come from Claude',
        severity: 'major',
        since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      },
    });
    const cleared = await request(api, '/api/admin/notice', {
      method: 'DELETE',
      headers: operator,
    });
    expect(await cleared.json()).toEqual({ cleared: true });
    expect((await status()).notice).toBeNull();
    const again = await request(api, '/api/admin/notice', { method: 'DELETE', headers: operator });
    expect(await again.json()).toEqual({ cleared: false });

    const rows = await api.deps.database.query<Record<string, unknown>>(
      `SELECT action, door, actor, filters, changed FROM operator_actions ORDER BY created_at, action DESC`,
    );
    expect(rows).toEqual([
      {
        action: 'notice_set',
        door: 'api',
        actor: 'ops-1',
        filters: { message: 'OpenAI is down; answers come from Claude', severity: 'major' },
        changed: 1,
      },
      { action: 'notice_clear', door: 'api', actor: 'ops-1', filters: null, changed: 1 },
      { action: 'notice_clear', door: 'api', actor: 'ops-1', filters: null, changed: 0 },
    ]);
  });

  // Found by the route fuzzer (test/fuzz-routes.test.ts): the audit row refused U+0000, a 500.
  it('should set a notice holding U+0000 and audit it with U+FFFD in its place', async () => {
    const set = await put(operator, { message: 'a\u0000b\ud800' });
    expect(set.status).toBe(200);
    const [row] = await api.deps.database.query<{ filters: unknown }>(
      `SELECT filters FROM operator_actions WHERE action = 'notice_set' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(row?.filters).toMatchObject({ message: 'a\ufffdb\ufffd' });
    await request(api, '/api/admin/notice', { method: 'DELETE', headers: operator });
  });
});
