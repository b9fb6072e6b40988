import OpenAI from 'openai';
import { describe, expect } from 'vitest';
import {
  ANTHROPIC_KEY,
  anthropicClient,
  mockLlmTest as it,
  OPENAI_KEY,
  openAIClient,
  rejectionOf,
  type OpenAIApiError,
} from './testing/mock-llm-fixture.js';

const hi = [{ role: 'user' as const, content: 'hi' }];

describe('startMockLlm', () => {
  it('should record closedAt within 100 ms of an abort on a hanging request', async ({
    mockLlm,
  }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const controller = new AbortController();
    const pending = openai.chat.completions.create(
      { model: 'gpt-5', messages: [{ role: 'user', content: 'hi [[mock hang]]' }] },
      { signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const abortedAt = Date.now();
    controller.abort();
    expect(await rejectionOf(pending)).toBeInstanceOf(OpenAI.APIUserAbortError);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const [entry] = mockLlm.requests({ provider: 'openai' });
    expect(entry).toMatchObject({ status: null, completed: false, fault: { fault: 'hang' } });
    expect(entry?.closedAt).not.toBeNull();
    expect((entry?.closedAt ?? Infinity) - abortedAt).toBeLessThan(100);
  });

  it('should end hanging connections on close()', async ({ mockLlm }) => {
    const response = fetch(`${mockLlm.baseUrls.openai}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'x-mock-fault': 'hang' },
      body: JSON.stringify({ model: 'gpt-5', messages: hi }),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await mockLlm.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await rejectionOf(response)).toBeInstanceOf(TypeError);
  });

  it('should honour a scenario count per provider, then answer normally', async ({ mockLlm }) => {
    const scenario = mockLlm.addScenario({
      provider: 'openai',
      fault: 'rate_limit retry_after=2',
      count: 2,
    });
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);

    for (const _attempt of [1, 2]) {
      const error = await rejectionOf(
        openai.chat.completions.create({ model: 'gpt-5', messages: hi }),
      );
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as OpenAIApiError).headers?.get('retry-after')).toBe('2');
    }
    await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: hi });
    await openai.chat.completions.create({ model: 'gpt-5', messages: hi });

    expect(scenario).toMatchObject({ provider: 'openai', remaining: 2, applied: 0 });
    expect(mockLlm.requests({ provider: 'openai' }).map((entry) => entry.status)).toEqual([
      429, 429, 200,
    ]);
    expect(mockLlm.requests({ provider: 'anthropic' }).map((entry) => entry.status)).toEqual([200]);
  });

  it('should let x-mock-fault: none override a scenario for one request', async ({ mockLlm }) => {
    mockLlm.addScenario({ provider: '*', fault: { fault: 'server_error' } });
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const completion = await openai.chat.completions.create(
      { model: 'gpt-5', messages: hi },
      { headers: { 'x-mock-fault': 'none' } },
    );
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    await expect(
      openai.chat.completions.create({ model: 'gpt-5', messages: hi }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    mockLlm.clearScenarios();
    await expect(
      openai.chat.completions.create({ model: 'gpt-5', messages: hi }),
    ).resolves.toBeDefined();
  });

  it('should never log the API keys', async ({ mockLlm }) => {
    await openAIClient(mockLlm.baseUrls.openai).chat.completions.create({
      model: 'gpt-5',
      messages: hi,
    });
    await anthropicClient(mockLlm.baseUrls.anthropic).messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 5,
      messages: hi,
    });
    const requests = mockLlm.requests();
    expect(requests.map((entry) => entry.headers['authorization'])).toEqual([
      '[redacted]',
      '[redacted]',
    ]);
    const logged = JSON.stringify(requests);
    expect(logged).not.toContain(OPENAI_KEY);
    expect(logged).not.toContain(ANTHROPIC_KEY);
  });

  it('should answer raw curl-style requests on the /v1 aliases and attribute them to providers', async ({
    mockLlm,
  }) => {
    const chat = await fetch(`${mockLlm.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: hi, stream: true }),
    });
    const messages = await fetch(`${mockLlm.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': 'k',
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: hi }),
    });
    expect(chat.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect((await chat.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await messages.json()).toMatchObject({ type: 'message', stop_reason: 'max_tokens' });
    expect(mockLlm.requests().map((entry) => [entry.provider, entry.path, entry.stream])).toEqual([
      ['openai', '/v1/chat/completions', true],
      ['anthropic', '/v1/messages', false],
    ]);
  });

  it('should drive scenarios and the request log over the /_mock control plane', async ({
    mockLlm,
  }) => {
    const post = (body: unknown) =>
      fetch(`${mockLlm.url}/_mock/scenarios`, { method: 'POST', body: JSON.stringify(body) });
    const created = await post({ provider: 'anthropic', fault: '529', count: 1 });
    const rejected = await post({ provider: 'anthropic', fault: 'meltdown' });
    expect(created.status).toBe(201);
    const scenario = (await created.json()) as { id: string };
    expect(scenario.id).toMatch(/^scn_/);
    expect(scenario).toMatchObject({
      fault: { fault: 'overloaded' },
      remaining: 1,
    });
    expect(rejected.status).toBe(400);
    expect(await rejected.json()).toEqual({
      error: { code: 'invalid_scenario', message: 'fault: unknown fault "meltdown"' },
    });

    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    await expect(
      anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: hi }),
    ).rejects.toMatchObject({ status: 529 });
    const log = (await (
      await fetch(`${mockLlm.url}/_mock/requests?provider=anthropic`)
    ).json()) as { requests: unknown[] };
    expect(log.requests).toHaveLength(1);

    await fetch(`${mockLlm.url}/_mock/requests`, { method: 'DELETE' });
    expect(
      await (await fetch(`${mockLlm.url}/_mock/scenarios`, { method: 'DELETE' })).json(),
    ).toEqual({ cleared: 1 });
    expect(mockLlm.requests()).toEqual([]);
    expect(await (await fetch(`${mockLlm.url}/_mock/health`)).json()).toEqual({ status: 'ok' });
  });

  it('should reject a malformed directive with a provider-format 400', async ({ mockLlm }) => {
    const error = await rejectionOf(
      openAIClient(mockLlm.baseUrls.openai).chat.completions.create({
        model: 'gpt-5',
        messages: [{ role: 'user', content: '[[mock tokens=lots]]' }],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as OpenAIApiError).code).toBe('invalid_mock_directive');
  });
});
