import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { mapOpenAIError } from './map-openai-error.js';

const KEY = 'sk-proj-test-0123456789abcdefghijklmnop';
const context = { provider: 'openai', secrets: [KEY] } as const;

/** An error as the SDK builds it from an HTTP response (`APIError.generate`, as in client.ts). */
function httpError(status: number, error: object, headers: Record<string, string> = {}) {
  return APIError.generate(
    status,
    { error },
    undefined,
    new Headers({ 'x-request-id': 'req_abc', ...headers }),
  );
}

describe('mapOpenAIError', () => {
  it('should map a documented 429 rate_limit_exceeded with retry-after', () => {
    const error = mapOpenAIError(
      httpError(
        429,
        {
          message:
            'Rate limit reached for gpt-5 in organization org-x on requests per min (RPM): Limit 500, Used 500, Requested 1.',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
        { 'retry-after': '2', 'x-ratelimit-reset-requests': '120ms' },
      ),
      context,
    );
    expect(error.toJSON()).toMatchObject({
      kind: 'rate_limited',
      retryable: true,
      retryAfterMs: 2000,
      status: 429,
      providerCode: 'rate_limit_exceeded',
      requestId: 'req_abc',
      provider: 'openai',
    });
  });

  it('should fall back to the reset headers when a 429 has no retry-after', () => {
    const error = mapOpenAIError(
      httpError(
        429,
        {
          message: 'Rate limit reached for requests',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
        {
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '6m0s',
          'x-ratelimit-reset-tokens': '20ms',
        },
      ),
      context,
    );
    expect(error.retryAfterMs).toBe(360_000);
  });

  it('should treat 429 insufficient_quota as not retryable', () => {
    const error = mapOpenAIError(
      httpError(
        429,
        {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
        { 'retry-after': '20' },
      ),
      context,
    );
    expect(error).toMatchObject({
      kind: 'insufficient_quota',
      retryable: false,
      retryAfterMs: undefined,
    });
  });

  it('should read the spend-cap code under the insufficient_quota type', () => {
    const error = mapOpenAIError(
      httpError(429, {
        message: 'quota',
        type: 'insufficient_quota',
        param: null,
        code: 'project_spend_limit_exceeded',
      }),
      context,
    );
    expect(error).toMatchObject({
      kind: 'insufficient_quota',
      providerCode: 'project_spend_limit_exceeded',
    });
  });

  it('should map 400 context_length_exceeded to token_limit_exceeded', () => {
    const error = mapOpenAIError(
      httpError(400, {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      }),
      context,
    );
    expect(error).toMatchObject({ kind: 'token_limit_exceeded', retryable: false, status: 400 });
  });

  it('should map 401 invalid_api_key and never repeat the key', () => {
    const error = mapOpenAIError(
      httpError(401, {
        message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      }),
      context,
    );
    expect(error).toMatchObject({ kind: 'auth', retryable: false, status: 401 });
    for (const text of [error.message, JSON.stringify(error), String(error), String(error.cause)]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('0123456789abcdef');
    }
  });

  it('should map 404 model_not_found', () => {
    const error = mapOpenAIError(
      httpError(404, {
        message: 'The model `gpt-9` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      }),
      context,
    );
    expect(error).toMatchObject({ kind: 'model_not_found', retryable: false });
  });

  it('should map a 403 "no access to model" to permission', () => {
    const error = mapOpenAIError(
      httpError(403, {
        message: 'Project `proj_abc` does not have access to model `gpt-5.6-sol`',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      }),
      context,
    );
    expect(error).toMatchObject({
      kind: 'permission',
      retryable: false,
      providerCode: 'model_not_found',
    });
  });

  it.each([
    [500, 'server_error'],
    [502, 'server_error'],
    [503, 'overloaded'],
  ] as const)('should map %i to a retryable %s', (status, kind) => {
    const error = mapOpenAIError(
      httpError(
        status,
        {
          message: 'The server had an error while processing your request.',
          type: 'server_error',
          param: null,
          code: null,
        },
        { 'retry-after': '1' },
      ),
      context,
    );
    expect(error).toMatchObject({ kind, retryable: true, retryAfterMs: 1000, status });
  });

  it('should not read reset headers on a 500', () => {
    const error = mapOpenAIError(
      httpError(
        500,
        { message: 'boom', type: 'server_error', param: null, code: null },
        { 'x-ratelimit-reset-requests': '1s' },
      ),
      context,
    );
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('should map an error chunk inside a 200 stream', () => {
    // core/streaming.ts: `throw new APIError(undefined, data.error, undefined, response.headers)`
    const inStream = new APIError(
      undefined,
      {
        message: 'The server had an error while processing your request.',
        type: 'server_error',
        param: null,
        code: null,
      },
      undefined,
      new Headers({ 'x-request-id': 'req_stream' }),
    );
    expect(mapOpenAIError(inStream, context)).toMatchObject({
      kind: 'server_error',
      retryable: true,
      status: undefined,
      requestId: 'req_stream',
    });
  });

  it('should map SDK connection errors', () => {
    expect(mapOpenAIError(new APIConnectionTimeoutError(), context).kind).toBe('timeout');
    expect(
      mapOpenAIError(
        new APIConnectionError({ message: 'Connection error.', cause: new Error('ECONNREFUSED') }),
        context,
      ).kind,
    ).toBe('network');
    expect(mapOpenAIError(new APIUserAbortError(), context).kind).toBe('cancelled');
  });

  it('should map a mid-stream socket failure and malformed SSE data', () => {
    expect(mapOpenAIError(new TypeError('terminated'), context)).toMatchObject({
      kind: 'network',
      retryable: true,
    });
    expect(mapOpenAIError(new SyntaxError('Unexpected token'), context)).toMatchObject({
      kind: 'server_error',
      retryable: true,
    });
  });
});
