import OpenAI from 'openai';
import { describe, expect } from 'vitest';
import {
  mockLlmTest as it,
  OPENAI_KEY,
  openAIClient,
  rejectionOf,
  type OpenAIApiError,
} from '../testing/mock-llm-fixture.js';

/** A completion with `fault` as the `x-mock-fault` header; returns the SDK's rejection. */
async function failWith(baseURL: string, fault: string, model = 'gpt-5'): Promise<OpenAIApiError> {
  const openai = openAIClient(baseURL);
  const error = await rejectionOf(
    openai.chat.completions.create(
      { model, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-mock-fault': fault } },
    ),
  );
  if (!(error instanceof OpenAI.APIError))
    throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

describe('OpenAI faults', () => {
  it('should send a 429 RateLimitError with retry-after, retry-after-ms and exhausted rate-limit headers', async ({
    mockLlm,
  }) => {
    const error = await failWith(
      mockLlm.baseUrls.openai,
      'rate_limit retry_after=2 retry_after_ms=1500',
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.type).toBe('requests');
    expect(error.headers?.get('retry-after')).toBe('2');
    expect(error.headers?.get('retry-after-ms')).toBe('1500');
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(error.headers?.get('x-ratelimit-reset-requests')).toBe('2s');
    expect(error.requestID).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it.for([
    ['500', 500, 'server_error', OpenAI.InternalServerError],
    ['502', 502, 'cf_bad_gateway', OpenAI.InternalServerError],
    ['503', 503, 'server_error', OpenAI.InternalServerError],
    ['permission_denied', 403, 'invalid_request_error', OpenAI.PermissionDeniedError],
    ['insufficient_balance', 429, 'insufficient_quota', OpenAI.RateLimitError],
  ] as const)(
    'should map fault %s to status %i %s',
    async ([fault, status, type, errorClass], { mockLlm }) => {
      const error = await failWith(mockLlm.baseUrls.openai, fault);
      expect(error).toBeInstanceOf(errorClass);
      expect(error.status).toBe(status);
      expect(error.type).toBe(type);
    },
  );

  it('should reject an invalid key with 401 invalid_api_key and never echo the key', async ({
    mockLlm,
  }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai, 'invalid-sk-0123456789abcdef');
    const error = await rejectionOf(
      openai.chat.completions.create({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as OpenAIApiError).code).toBe('invalid_api_key');
    expect((error as OpenAIApiError).message).not.toContain('0123456789abcdef');
  });

  it("should send OpenAI's context_length_exceeded message", async ({ mockLlm }) => {
    const error = await failWith(mockLlm.baseUrls.openai, 'context_length');
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe('context_length_exceeded');
    expect(error.param).toBe('messages');
    expect(error.message).toMatch(
      /^400 This model's maximum context length is 400000 tokens\. However, your messages resulted in \d+ tokens/,
    );
  });

  it('should 404 model_not_found for a model outside the catalog', async ({ mockLlm }) => {
    const error = await failWith(mockLlm.baseUrls.openai, 'none', 'gpt-9000');
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe('model_not_found');
  });

  it('should answer an invalid body with a 400 invalid_request_error', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const error = await rejectionOf(
      openai.chat.completions.create({ model: 'gpt-5', messages: [] }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as OpenAIApiError).type).toBe('invalid_request_error');
    expect((error as OpenAIApiError).param).toBe('messages');
  });

  it('should deliver N deltas and then a connection error on disconnect', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const stream = await openai.chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'hi [[mock disconnect after=3]]' }],
      stream: true,
    });
    const deltas: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
        }
      })(),
    );
    expect(deltas).toHaveLength(3);
    expect(error).toBeInstanceOf(Error);
    expect(mockLlm.requests({ provider: 'openai' })[0]).toMatchObject({
      status: 200,
      completed: false,
    });
  });

  it('should break the SDK parser with malformed SSE after N deltas', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const stream = await openai.chat.completions.create(
      { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'x-mock-fault': 'malformed_sse after=2' } },
    );
    let deltas = 0;
    const error = await rejectionOf(
      (async () => {
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) deltas += 1;
      })(),
    );
    expect(deltas).toBe(2);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('should raise an in-stream error event as an APIError', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const stream = await openai.chat.completions.create(
      { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'x-mock-fault': 'stream_error after=1' } },
    );
    const error = await rejectionOf(
      (async () => {
        for await (const _chunk of stream);
      })(),
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as OpenAIApiError).type).toBe('server_error');
  });

  it('should 401 a request without an Authorization header', async ({ mockLlm }) => {
    const response = await fetch(`${mockLlm.baseUrls.openai}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: null, param: null },
    });
    expect(JSON.stringify(mockLlm.requests())).not.toContain(OPENAI_KEY);
  });
});
