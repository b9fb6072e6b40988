import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { mapAnthropicError } from './map-anthropic-error.js';

const KEY = 'sk-ant-api03-secret-key-0123456789';
const context = { provider: 'anthropic', secrets: [KEY] } as const;

/** The documented shape: `{type:'error', error:{type, message}, request_id}`. */
function httpError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
  details?: object,
) {
  const body = {
    type: 'error',
    error: { type, message, ...(details ? { details } : {}) },
    request_id: 'req_011',
  };
  return APIError.generate(
    status,
    body,
    undefined,
    new Headers({ 'request-id': 'req_011', ...headers }),
  );
}

describe('mapAnthropicError (platform.claude.com/docs/en/api/errors)', () => {
  it.each([
    [400, 'invalid_request_error', 'messages: roles must alternate', 'invalid_request', false],
    [401, 'authentication_error', 'invalid x-api-key', 'auth', false],
    [402, 'billing_error', 'There is an issue with your billing', 'insufficient_quota', false],
    [
      403,
      'permission_error',
      'Your API key does not have permission to use the specified resource.',
      'permission',
      false,
    ],
    [404, 'not_found_error', 'model: claude-9', 'model_not_found', false],
    [
      413,
      'request_too_large',
      'Request exceeds the maximum allowed number of bytes.',
      'token_limit_exceeded',
      false,
    ],
    [
      429,
      'rate_limit_error',
      'Number of request tokens has exceeded your per-minute rate limit',
      'rate_limited',
      true,
    ],
    [500, 'api_error', 'Internal server error', 'server_error', true],
    [504, 'timeout_error', 'Request timeout', 'timeout', true],
    [529, 'overloaded_error', 'Overloaded', 'overloaded', true],
  ] as const)('should map %i %s to %s', (status, type, message, kind, retryable) => {
    const error = mapAnthropicError(httpError(status, type, message), context);
    expect(error).toMatchObject({
      kind,
      retryable,
      status,
      providerCode: type,
      requestId: 'req_011',
      provider: 'anthropic',
    });
  });

  it('should map "prompt is too long" to token_limit_exceeded', () => {
    const error = mapAnthropicError(
      httpError(400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum'),
      context,
    );
    expect(error.kind).toBe('token_limit_exceeded');
  });

  it('should map "input length and max_tokens exceed context limit" to token_limit_exceeded', () => {
    const message =
      'input length and `max_tokens` exceed context limit: 199000 + 4096 > 200000, decrease input length or `max_tokens` and try again';
    expect(mapAnthropicError(httpError(400, 'invalid_request_error', message), context).kind).toBe(
      'token_limit_exceeded',
    );
  });

  it('should map a too-low credit balance to insufficient_quota', () => {
    const message =
      'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.';
    expect(mapAnthropicError(httpError(400, 'invalid_request_error', message), context).kind).toBe(
      'insufficient_quota',
    );
  });

  it('should take the 429 wait from retry-after, then from the reset headers', () => {
    const withRetryAfter = httpError(429, 'rate_limit_error', 'rate limited', {
      'retry-after': '7',
    });
    expect(mapAnthropicError(withRetryAfter, context).retryAfterMs).toBe(7000);
    const reset = new Date(Date.now() + 5_000).toISOString();
    const withReset = httpError(429, 'rate_limit_error', 'rate limited', {
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': reset,
    });
    expect(mapAnthropicError(withReset, context).retryAfterMs).toBeGreaterThan(4_000);
  });

  it('should treat the monthly spend cap 429 as not retryable', () => {
    const error = mapAnthropicError(
      httpError(
        429,
        'rate_limit_error',
        'You have reached your API usage limits',
        {},
        { error_code: 'enforced_spend_limit_reached' },
      ),
      context,
    );
    expect(error).toMatchObject({
      kind: 'insufficient_quota',
      retryable: false,
      providerCode: 'enforced_spend_limit_reached',
    });
  });

  it('should map an overloaded_error SSE event inside a 200 stream (status undefined)', () => {
    // core/streaming.ts: `throw new APIError(undefined, body, undefined, response.headers, type)`
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const inStream = new APIError(
      undefined,
      body,
      undefined,
      new Headers({ 'request-id': 'req_sse' }),
      'overloaded_error',
    );
    expect(mapAnthropicError(inStream, context)).toMatchObject({
      kind: 'overloaded',
      retryable: true,
      status: undefined,
      providerCode: 'overloaded_error',
      requestId: 'req_sse',
    });
  });

  it('should map SDK connection errors', () => {
    expect(mapAnthropicError(new APIConnectionTimeoutError(), context).kind).toBe('timeout');
    expect(
      mapAnthropicError(new APIConnectionError({ message: 'Connection error.' }), context).kind,
    ).toBe('network');
  });

  it('should never repeat the key', () => {
    const error = mapAnthropicError(
      httpError(401, 'authentication_error', `invalid x-api-key ${KEY}`),
      context,
    );
    for (const text of [error.message, JSON.stringify(error), String(error), String(error.cause)]) {
      expect(text).not.toContain(KEY);
    }
  });
});
