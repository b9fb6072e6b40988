import { describe, expect, it } from 'vitest';
import { ProviderError, ProviderErrorData } from './provider-error.js';

describe('ProviderError', () => {
  it.each([
    ['rate_limited', true],
    ['overloaded', true],
    ['server_error', true],
    ['timeout', true],
    ['network', true],
    ['auth', false],
    ['permission', false],
    ['token_limit_exceeded', false],
    ['invalid_request', false],
    ['model_not_found', false],
    ['content_filtered', false],
    ['cancelled', false],
    ['insufficient_quota', false],
  ] as const)('should default retryable for %s to %s', (kind, retryable) => {
    expect(new ProviderError({ kind, message: 'x' }).retryable).toBe(retryable);
  });

  it('should let an explicit retryable win over the kind', () => {
    expect(
      new ProviderError({ kind: 'rate_limited', message: 'x', retryable: false }).retryable,
    ).toBe(false);
  });

  it('should be recognised by marker, not by class identity', () => {
    const error = new ProviderError({ kind: 'timeout', message: 'late' });
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(ProviderError.isInstance({ [Symbol.for('aiq.error.provider')]: true })).toBe(true);
    expect(ProviderError.isInstance(new Error('late'))).toBe(false);
    expect(ProviderError.isInstance(null)).toBe(false);
  });

  it('should serialize to data the schema accepts and round-trip', () => {
    const error = new ProviderError({
      kind: 'rate_limited',
      message: 'openai 429: slow down',
      retryAfterMs: 1500,
      status: 429,
      providerCode: 'rate_limit_exceeded',
      requestId: 'req_1',
      provider: 'openai',
      cause: new Error('inner'),
    });
    const data = JSON.parse(JSON.stringify(error)) as unknown;
    expect(ProviderErrorData.parse(data)).toEqual({
      name: 'ProviderError',
      kind: 'rate_limited',
      message: 'openai 429: slow down',
      retryable: true,
      retryAfterMs: 1500,
      status: 429,
      providerCode: 'rate_limit_exceeded',
      requestId: 'req_1',
      provider: 'openai',
    });
    const revived = ProviderError.fromJSON(data);
    expect(revived.toJSON()).toEqual(error.toJSON());
  });

  it('should print as name and message', () => {
    expect(String(new ProviderError({ kind: 'auth', message: 'bad key' }))).toBe(
      'ProviderError: bad key',
    );
  });
});
