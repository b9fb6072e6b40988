import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { mapOpenAIError } from '../openai/map-openai-error.js';
import { DEEPSEEK_STATUS_KINDS } from './deepseek-status-kinds.js';
import { mapDeepSeekFinishReason } from './map-deepseek-finish-reason.js';

const context = { provider: 'deepseek', secrets: [] } as const;

function deepSeekError(status: number, message: string, headers: Record<string, string> = {}) {
  const body = {
    error: { message, type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
  };
  return mapOpenAIError(
    APIError.generate(status, body, undefined, new Headers(headers)),
    context,
    DEEPSEEK_STATUS_KINDS,
  );
}

describe('DeepSeek error mapping (api-docs.deepseek.com/quick_start/error_codes)', () => {
  it.each([
    [400, 'Invalid Format', 'invalid_request', false],
    [401, 'Authentication Fails', 'auth', false],
    [402, 'Insufficient Balance', 'insufficient_quota', false],
    [422, 'Invalid Parameters', 'invalid_request', false],
    [429, 'Rate Limit Reached', 'rate_limited', true],
    [500, 'Server Error', 'server_error', true],
    [503, 'Server Overloaded', 'overloaded', true],
  ] as const)('should map %i %s to %s', (status, message, kind, retryable) => {
    expect(deepSeekError(status, message)).toMatchObject({
      kind,
      retryable,
      status,
      provider: 'deepseek',
    });
  });

  it('should read "Model Not Exist" (a 400) as model_not_found', () => {
    expect(deepSeekError(400, 'Model Not Exist').kind).toBe('model_not_found');
  });

  it('should read a context-length 400 from its message', () => {
    const error = deepSeekError(
      400,
      "This model's maximum context length is 65536 tokens. However, you requested 70000 tokens.",
    );
    expect(error.kind).toBe('token_limit_exceeded');
  });
});

describe('mapDeepSeekFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    ['tool_calls', 'tool-calls'],
    ['insufficient_system_resource', 'error'],
    ['something_new', 'other'],
  ] as const)('should map %s to %s and keep the raw value', (raw, unified) => {
    expect(mapDeepSeekFinishReason(raw)).toEqual({ unified, raw });
  });
});
