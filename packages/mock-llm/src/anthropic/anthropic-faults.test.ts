import Anthropic from '@anthropic-ai/sdk';
import { describe, expect } from 'vitest';
import {
  anthropicClient,
  mockLlmTest as it,
  rejectionOf,
  type AnthropicApiError,
} from '../testing/mock-llm-fixture.js';

/** A message request with `fault` as the `x-mock-fault` header; returns the SDK's rejection. */
async function failWith(
  baseURL: string,
  fault: string,
  model = 'claude-haiku-4-5',
): Promise<AnthropicApiError> {
  const anthropic = anthropicClient(baseURL);
  const error = await rejectionOf(
    anthropic.messages.create(
      { model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-mock-fault': fault } },
    ),
  );
  if (!(error instanceof Anthropic.APIError))
    throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

describe('Anthropic faults', () => {
  it('should send 529 overloaded_error with the documented body and request-id', async ({
    mockLlm,
  }) => {
    const error = await failWith(mockLlm.baseUrls.anthropic, 'overloaded');
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error.status).toBe(529);
    expect(error.type).toBe('overloaded_error');
    expect(error.requestID).toMatch(/^req_011C/);
    expect(error.error).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      request_id: error.requestID,
    });
  });

  it('should send 429 rate_limit_error with retry-after and exhausted anthropic-ratelimit headers', async ({
    mockLlm,
  }) => {
    const error = await failWith(mockLlm.baseUrls.anthropic, 'rate_limit retry_after=3');
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.type).toBe('rate_limit_error');
    expect(error.headers?.get('retry-after')).toBe('3');
    expect(error.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    const reset = Date.parse(error.headers?.get('anthropic-ratelimit-requests-reset') ?? '');
    expect(reset - Date.now()).toBeGreaterThan(1000);
  });

  it.for([
    ['500', 500, 'api_error', Anthropic.InternalServerError],
    ['503', 503, 'api_error', Anthropic.InternalServerError],
    ['permission_denied', 403, 'permission_error', Anthropic.PermissionDeniedError],
    ['invalid_key', 401, 'authentication_error', Anthropic.AuthenticationError],
  ] as const)(
    'should map fault %s to status %i %s',
    async ([fault, status, type, errorClass], { mockLlm }) => {
      const error = await failWith(mockLlm.baseUrls.anthropic, fault);
      expect(error).toBeInstanceOf(errorClass);
      expect(error.status).toBe(status);
      expect(error.type).toBe(type);
    },
  );

  it('should reject a key starting with "invalid" with authentication_error', async ({
    mockLlm,
  }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic, 'invalid-key');
    const error = await rejectionOf(anthropic.models.list());
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as AnthropicApiError).apiMessage).toBe('invalid x-api-key');
  });

  it('should say "prompt is too long" for context_length', async ({ mockLlm }) => {
    const error = await failWith(mockLlm.baseUrls.anthropic, 'context_length');
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.type).toBe('invalid_request_error');
    expect(error.apiMessage).toMatch(/^prompt is too long: \d+ tokens > 200000 maximum$/);
  });

  it('should answer an unknown model with not_found_error', async ({ mockLlm }) => {
    const error = await failWith(mockLlm.baseUrls.anthropic, 'none', 'claude-9');
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.type).toBe('not_found_error');
    expect(error.apiMessage).toBe('model: claude-9');
  });

  it('should answer a missing max_tokens with invalid_request_error', async ({ mockLlm }) => {
    const response = await fetch(`${mockLlm.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': 'k',
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
  });

  it('should require x-api-key and anthropic-version like the real API', async ({ mockLlm }) => {
    const body = JSON.stringify({
      model: 'claude-haiku-4-5',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const missingKey = await fetch(`${mockLlm.baseUrls.anthropic}/v1/messages`, {
      method: 'POST',
      body,
    });
    const missingVersion = await fetch(`${mockLlm.baseUrls.anthropic}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k' },
      body,
    });
    expect(missingKey.status).toBe(401);
    expect(await missingKey.json()).toMatchObject({ error: { type: 'authentication_error' } });
    expect(missingVersion.status).toBe(400);
    expect(await missingVersion.json()).toMatchObject({
      error: { message: 'anthropic-version: header is required' },
    });
  });

  it('should deliver N text deltas and then a connection error on disconnect', async ({
    mockLlm,
  }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const stream = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi [[mock disconnect after=4]]' }],
      stream: true,
    });
    let deltas = 0;
    const error = await rejectionOf(
      (async () => {
        for await (const event of stream) if (event.type === 'content_block_delta') deltas += 1;
      })(),
    );
    expect(deltas).toBe(4);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(Anthropic.APIError);
  });
});
