import { routingChanges } from '@aiq/db';
import { disabledKey } from '@aiq/routing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';

describe('/api/admin/providers', () => {
  let api: TestApi;
  let operator: Record<string, string>;
  let user: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi();
    operator = await api.keyFor('ops-1', 'operator');
    user = await api.keyFor('user-1');
  });
  afterAll(() => api.close());

  const post = (path: string, headers: Record<string, string>, body?: unknown) =>
    api.app.request(path, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('should refuse callers without a key (401) and non-operators (403)', async () => {
    const anonymous = await api.app.request('/api/admin/providers');
    expect(anonymous.status).toBe(401);
    const listing = await api.app.request('/api/admin/providers', { headers: user });
    expect(listing.status).toBe(403);
    expect(await listing.json()).toMatchObject({ error: { code: 'forbidden' } });
    const disable = await post('/api/admin/providers/openai/disable', user, { reason: 'x' });
    expect(disable.status).toBe(403);
    expect(await api.deps.redis.hlen(disabledKey(api.prefix))).toBe(0);
  });

  it('should answer 404 unknown_provider for a name that is neither provider nor model', async () => {
    const response = await post('/api/admin/providers/mistral/disable', operator, {
      reason: 'outage',
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'unknown_provider' } });
  });

  it('should answer 400 for a missing, empty or oversized reason', async () => {
    for (const body of [{}, { reason: '   ' }, { reason: 'x'.repeat(501) }]) {
      const response = await post('/api/admin/providers/openai/disable', operator, body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect(await api.deps.redis.hlen(disabledKey(api.prefix))).toBe(0);
  });

  it('should disable and enable a provider and a model, list them, and record each change', async () => {
    const disabled = await post('/api/admin/providers/openai/disable', operator, {
      reason: 'status page red',
    });
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({
      target: 'openai',
      kind: 'provider',
      action: 'disable',
    });
    // An alias names its model: one switch.
    const model = await post('/api/admin/providers/gpt-5.6/disable', operator, {
      reason: 'bad answers',
    });
    expect(await model.json()).toMatchObject({ target: 'gpt-5.6-sol', kind: 'model' });

    const listing = await api.app.request('/api/admin/providers', { headers: operator });
    expect(listing.status).toBe(200);
    const state = (await listing.json()) as {
      providers: Record<string, { disabled: { reason: string; actor: string } | null }>;
      models: Record<string, { provider: string; circuit: { state: string } }>;
    };
    expect(state.providers['openai']?.disabled).toMatchObject({
      reason: 'status page red',
      actor: 'ops-1',
    });
    expect(state.providers['anthropic']?.disabled).toBeNull();
    expect(state.models['deepseek-chat']).toMatchObject({
      provider: 'deepseek',
      circuit: { state: 'closed' },
    });

    const ready = await api.app.request('/api/health/ready');
    expect(((await ready.json()) as { routing: unknown }).routing).toMatchObject({
      providers: { openai: { circuit: 'closed', disabled: true } },
      models: { 'gpt-5.6-sol': { disabled: true } },
    });

    const enabled = await post('/api/admin/providers/openai/enable', operator);
    expect(enabled.status).toBe(200);
    expect(await api.deps.redis.hkeys(disabledKey(api.prefix))).toEqual(['gpt-5.6-sol']);

    const rows = await api.deps.database.db.select().from(routingChanges);
    expect(
      rows
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .map(({ target, targetKind, action, reason, actor }) => ({
          target,
          targetKind,
          action,
          reason,
          actor,
        })),
    ).toEqual([
      {
        target: 'openai',
        targetKind: 'provider',
        action: 'disable',
        reason: 'status page red',
        actor: 'ops-1',
      },
      {
        target: 'gpt-5.6-sol',
        targetKind: 'model',
        action: 'disable',
        reason: 'bad answers',
        actor: 'ops-1',
      },
      { target: 'openai', targetKind: 'provider', action: 'enable', reason: null, actor: 'ops-1' },
    ]);
  });

  it('should list the routes in the OpenAPI document', async () => {
    const document = (await (await api.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/admin/providers',
        '/api/admin/providers/{name}/disable',
        '/api/admin/providers/{name}/enable',
      ]),
    );
  });

  // Found by the route fuzzer (test/fuzz-routes.test.ts): Postgres refuses U+0000 in text, a 500.
  it('should store a reason holding U+0000 or a lone surrogate with U+FFFD in their place', async () => {
    for (const [path, reason] of [
      ['/api/admin/providers/openai/enable', 'a\u0000b'],
      ['/api/admin/providers/openai/disable', 'c\ud800d'],
    ] as const) {
      const response = await post(path, operator, { reason });
      expect(response.status).toBe(200);
    }
    const reasons = (await api.deps.database.db.select().from(routingChanges)).map(
      (row) => row.reason,
    );
    expect(reasons).toEqual(expect.arrayContaining(['a\ufffdb', 'c\ufffdd']));
    await post('/api/admin/providers/openai/enable', operator);
  });
});

describe('fallback_models of POST /api/ai/generate', () => {
  let api: TestApi;
  let user: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi();
    user = await api.keyFor('user-2');
  });
  afterAll(() => api.close());

  const generate = (body: unknown) =>
    api.app.request('/api/ai/generate', {
      method: 'POST',
      headers: { ...user, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('should refuse an unknown fallback model with 400 unknown_fallback_model', async () => {
    const response = await generate({
      model: 'gpt-5.6-sol',
      prompt: 'Hi',
      stream: false,
      fallback_models: ['claude-sonnet-5-5', 'nope-1'],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unknown_fallback_model');
    expect(body.error.message).toContain('nope-1');
  });

  it('should refuse a malformed list with 400 invalid_request', async () => {
    const response = await generate({
      model: 'gpt-5.6-sol',
      prompt: 'Hi',
      stream: false,
      fallback_models: 'claude-sonnet-5-5',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('should store a valid chain, aliases resolved, in the task and its job', async () => {
    const response = await generate({
      model: 'gpt-5.6-sol',
      prompt: 'Hi',
      stream: false,
      fallback_models: ['deepseek-v3', 'claude-sonnet-5-5'],
    });
    expect(response.status).toBe(202);
    const { taskId } = (await response.json()) as { taskId: string };
    const job = await api.deps.queues['generate-openai'].getJob(taskId);
    expect(job?.data).toMatchObject({ fallbackModels: ['deepseek-chat', 'claude-sonnet-5-5'] });
  });
});
