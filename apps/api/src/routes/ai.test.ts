import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';

describe('/api/ai routes', () => {
  let api: TestApi;
  let alice: Record<string, string>;
  beforeAll(async () => {
    // Limits of their own below; here they would get in the way of the table.
    api = await startTestApi({
      API_MAX_BODY_BYTES: '4096',
      RATE_LIMIT_STANDARD_PER_MINUTE: '1000',
      RATE_LIMIT_EXPENSIVE_PER_MINUTE: '1000',
    });
    alice = await api.keyFor('alice');
  });
  afterAll(() => api.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    api.app.request(path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...alice, ...headers },
    });

  const hello = [{ role: 'user', content: 'Hello' }];
  const huge = 'word '.repeat(70_000);

  it.each([
    [
      'malformed JSON',
      '/api/ai/generate',
      '{"model": "gpt-5",',
      400,
      'invalid_request',
      /Malformed JSON/,
    ],
    ['no model', '/api/ai/generate', { messages: hello }, 400, 'invalid_request', /model/],
    [
      'model of the wrong type',
      '/api/ai/generate',
      { model: 5, messages: hello },
      400,
      'invalid_request',
      /model/,
    ],
    [
      'unknown model',
      '/api/ai/generate',
      { model: 'gpt-1', messages: hello, stream: false },
      400,
      'model_not_found',
      /Known models: .*gpt-5/,
    ],
    [
      'empty messages',
      '/api/ai/generate',
      { model: 'gpt-5', messages: [] },
      400,
      'invalid_request',
      /messages: must hold at least one message/,
    ],
    [
      'neither messages nor prompt',
      '/api/ai/generate',
      { model: 'gpt-5' },
      400,
      'invalid_request',
      /send messages or prompt/,
    ],
    [
      'a bad role',
      '/api/ai/generate',
      { model: 'gpt-5', messages: [{ role: 'tool', content: 'x' }] },
      400,
      'invalid_request',
      /messages\.0\.role/,
    ],
    [
      'a negative max_tokens',
      '/api/ai/generate',
      { model: 'gpt-5', prompt: 'x', max_tokens: -1 },
      400,
      'invalid_request',
      /max_tokens/,
    ],
    [
      'a temperature of 3',
      '/api/ai/generate',
      { model: 'gpt-5', prompt: 'x', temperature: 3 },
      400,
      'invalid_request',
      /temperature/,
    ],
    [
      'max_tokens over the model limit',
      '/api/ai/generate',
      { model: 'deepseek-chat', prompt: 'x', max_tokens: 9_000 },
      400,
      'invalid_request',
      /8192/,
    ],
    [
      'a body over the limit',
      '/api/ai/generate',
      { model: 'gpt-5', prompt: 'x'.repeat(5_000) },
      413,
      'payload_too_large',
      /4096 bytes/,
    ],
    [
      'unknown background type',
      '/api/ai/background-task',
      { type: 'mine', input: {} },
      400,
      'unknown_task_type',
      /Known types: ai_background_generation/,
    ],
    [
      'the reserved name constructor as a background type',
      '/api/ai/background-task',
      { type: 'constructor', input: {} },
      400,
      'unknown_task_type',
      /Unknown task type "constructor"/,
    ],
    [
      'the reserved name toString as a background type',
      '/api/ai/background-task',
      { type: 'toString', input: {} },
      400,
      'unknown_task_type',
      /Unknown task type "toString"/,
    ],
    [
      'the reserved name __proto__ as a background type',
      '/api/ai/background-task',
      { type: '__proto__', input: {} },
      400,
      'unknown_task_type',
      /Unknown task type "__proto__"/,
    ],
    [
      'bad background input',
      '/api/ai/background-task',
      { type: 'ai_analyze_document', input: { model: 'gpt-5' } },
      400,
      'invalid_request',
      /document/,
    ],
    [
      'background input nested deeper than 64 levels',
      '/api/ai/background-task',
      { type: 'ai_background_generation', input: JSON.parse('['.repeat(65) + ']'.repeat(65)) },
      400,
      'invalid_request',
      /input: must not nest deeper than 64 levels/,
    ],
    [
      'retry of a bad id',
      '/api/ai/background-task/retry',
      { taskId: 'nope' },
      400,
      'invalid_request',
      /taskId/,
    ],
  ])('should refuse %s with %s', async (_name, path, body, status, code, message) => {
    const response = await post(path, body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message).toMatch(message);
  });

  it('should refuse a prompt over the model window with token_limit_exceeded and the counts', async () => {
    const big = await startTestApi(); // the default 1 MiB body limit
    try {
      const response = await big.app.request('/api/ai/generate', {
        method: 'POST',
        body: JSON.stringify({ model: 'deepseek-chat', prompt: huge }),
        headers: { 'content-type': 'application/json', ...(await big.keyFor('alice')) },
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: {
          code: 'token_limit_exceeded',
          message: expect.stringMatching(
            /^deepseek-chat: prompt \d+ \+ max output 1024 tokens exceeds the context window of 64000$/,
          ),
        },
      });
    } finally {
      await big.close();
    }
  });

  it('should answer 401 without a key, in the same shape', async () => {
    const response = await api.app.request('/api/ai/generate', { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('should accept stream:false with 202 and the task URLs, and record the task', async () => {
    const response = await post('/api/ai/generate', {
      model: 'gpt-5',
      prompt: 'Hi',
      stream: false,
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as {
      taskId: string;
      statusUrl: string;
      eventsUrl: string;
    };
    expect(body).toEqual({
      taskId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      statusUrl: `/api/tasks/${body.taskId}`,
      eventsUrl: `/api/tasks/${body.taskId}/events`,
      existing: false,
    });
    const task = await api.app.request(body.statusUrl, { headers: alice });
    expect(await task.json()).toMatchObject({
      status: 'pending',
      type: 'ai_generation',
      model: 'gpt-5',
    });
    expect(await api.deps.queues['generate-openai'].getJob(body.taskId)).toBeDefined();
  });

  it('should return the same task for the same idempotency key (header or field) and user only', async () => {
    const bob = await api.keyFor('bob');
    const submit = async (headers: Record<string, string>, extra: object = {}) => {
      const input = { model: 'gpt-5', messages: hello };
      const response = await post(
        '/api/ai/background-task',
        { type: 'ai_background_generation', input, ...extra },
        headers,
      );
      const body = (await response.json()) as { taskId: string; existing: boolean };
      return { status: response.status, ...body };
    };
    const first = await submit({ 'idempotency-key': 'order-42' });
    const again = await submit({ 'idempotency-key': 'order-42' });
    const viaField = await submit({}, { idempotency_key: 'order-42' });
    const otherUser = await submit({ ...bob, 'idempotency-key': 'order-42' });
    expect(first).toMatchObject({ status: 202, existing: false });
    expect(again).toEqual({ ...first, existing: true });
    expect(viaField).toEqual({ ...first, existing: true });
    expect(otherUser.taskId).not.toBe(first.taskId);
  });

  it('should answer the 11th generation in a minute with 429 and the RateLimit headers, and background tasks after the 5th', async () => {
    const limited = await startTestApi();
    try {
      const carol = await limited.keyFor('carol');
      const send = (path: string, body: object) =>
        limited.app.request(path, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', ...carol },
        });
      const generation = { model: 'gpt-5', prompt: 'Hi', stream: false };
      for (let index = 0; index < 10; index += 1) {
        const response = await send('/api/ai/generate', generation);
        expect(response.status).toBe(202);
        expect(response.headers.get('ratelimit-remaining')).toBe(String(9 - index));
      }
      const refused = await send('/api/ai/generate', generation);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('ratelimit-limit')).toBe('10');
      expect(refused.headers.get('ratelimit-policy')).toBe('10;w=60');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');

      const background = {
        type: 'ai_background_generation',
        input: { model: 'gpt-5', messages: hello },
      };
      const statuses = [];
      for (let index = 0; index < 6; index += 1) {
        statuses.push((await send('/api/ai/background-task', background)).status);
      }
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
      // Reading is not limited.
      expect((await limited.app.request('/api/tasks', { headers: carol })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
