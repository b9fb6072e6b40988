import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from '../testing/test-api.js';

// claude-sonnet-4-5 reached its end of life on 2026-11-30; its successor is claude-sonnet-5-5.
const AFTER_END_OF_LIFE = '2026-12-02T09:00:00Z';
const hello = [{ role: 'user', content: 'Hello' }];

async function withApi(env: Record<string, string>) {
  const api = await startTestApi({ MODELS_AS_OF: AFTER_END_OF_LIFE, ...env });
  const alice = await api.keyFor('alice');
  const post = (path: string, body: unknown) =>
    api.app.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...alice },
    });
  const taskCount = async () =>
    Number(
      (
        await api.deps.database.query<{ n: string }>('SELECT count(*) AS n FROM background_tasks')
      )[0]?.n,
    );
  return { api, alice, post, taskCount };
}

describe('a generation for a retired model, refused (RETIRED_MODELS=refuse)', () => {
  let context: Awaited<ReturnType<typeof withApi>>;
  beforeAll(async () => {
    context = await withApi({ RETIRED_MODELS: 'refuse' });
  });
  afterAll(() => context.api.close());

  it('should answer 400 model_retired naming the successor, and accept nothing', async () => {
    const response = await context.post('/api/ai/generate', {
      model: 'claude-sonnet-4.5',
      messages: hello,
      stream: false,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'model_retired',
        message:
          'Model claude-sonnet-4-5 reached its end of life on 2026-11-30; use claude-sonnet-5-5 instead',
      },
    });
    expect(await context.taskCount()).toBe(0);
  });

  it('should refuse it on /v1 as an OpenAI invalid_request_error', async () => {
    const response = await context.post('/v1/chat/completions', {
      model: 'claude-sonnet-4-5',
      messages: hello,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message:
          'Model claude-sonnet-4-5 reached its end of life on 2026-11-30; use claude-sonnet-5-5 instead',
        type: 'invalid_request_error',
        param: null,
        code: 'model_retired',
      },
    });
    expect(await context.taskCount()).toBe(0);
  });

  it('should accept the successor and a model still before its end of life', async () => {
    for (const model of ['claude-sonnet-5-5', 'gpt-5']) {
      const response = await context.post('/api/ai/generate', {
        model,
        messages: hello,
        stream: false,
      });
      expect(response.status).toBe(202);
    }
  });
});

describe('a generation for a retired model, substituted (the default)', () => {
  let context: Awaited<ReturnType<typeof withApi>>;
  beforeAll(async () => {
    context = await withApi({ API_MAX_BODY_BYTES: '4000000' });
  });
  afterAll(() => context.api.close());

  it('should accept it and show the model asked for on the task', async () => {
    const response = await context.post('/api/ai/generate', {
      model: 'claude-sonnet-4.5',
      messages: hello,
      stream: false,
    });
    expect(response.status).toBe(202);
    const { taskId } = (await response.json()) as { taskId: string };
    const task = await context.api.app.request(`/api/tasks/${taskId}`, { headers: context.alice });
    // No worker here: until an attempt starts, the task names the model it asked for.
    expect(await task.json()).toMatchObject({
      status: 'pending',
      model: 'claude-sonnet-4.5',
      requestedModel: 'claude-sonnet-4.5',
    });
  });

  it('should check the prompt against the window of the model that will run', async () => {
    // Over Claude Sonnet 4.5's 200,000 tokens, well within Sonnet 5.5's 1,000,000.
    const long = [{ role: 'user', content: 'word '.repeat(210_000) }];
    const retired = await context.post('/api/ai/generate', {
      model: 'claude-sonnet-4-5',
      messages: long,
      stream: false,
    });
    expect(retired.status).toBe(202);
    // The same prompt for a current model with a 200,000-token window is refused.
    const haiku = await context.post('/api/ai/generate', {
      model: 'claude-haiku-4-5',
      messages: long,
      stream: false,
    });
    expect(haiku.status).toBe(400);
    expect(await haiku.json()).toMatchObject({ error: { code: 'token_limit_exceeded' } });
  });
});
