import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from './parse-rate-limit-headers.js';

const NOW = Date.parse('2025-08-21T12:40:58.250Z');

describe('parseRateLimitHeaders', () => {
  it("should read OpenAI's counts and Go-duration resets", () => {
    // As api.openai.com sends them on a chat completion.
    const headers = new Headers({
      'x-ratelimit-limit-requests': '5000',
      'x-ratelimit-limit-tokens': '160000',
      'x-ratelimit-remaining-requests': '4999',
      'x-ratelimit-remaining-tokens': '159976',
      'x-ratelimit-reset-requests': '12ms',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(parseRateLimitHeaders(headers, NOW)).toEqual({
      requests: { limit: 5000, remaining: 4999, resetMs: 12 },
      tokens: { limit: 160_000, remaining: 159_976, resetMs: 360_000 },
    });
    expect(
      parseRateLimitHeaders(
        { 'X-RateLimit-Remaining-Requests': '0', 'x-ratelimit-reset-requests': '1.5s' },
        NOW,
      ),
    ).toEqual({ requests: { limit: undefined, remaining: 0, resetMs: 1_500 } });
  });

  it("should read Anthropic's four limits with RFC 3339 resets, relative to now", () => {
    // As api.anthropic.com sends them on a message.
    const headers = new Headers({
      'anthropic-ratelimit-requests-limit': '1000',
      'anthropic-ratelimit-requests-remaining': '999',
      'anthropic-ratelimit-requests-reset': '2025-08-21T12:40:59Z',
      'anthropic-ratelimit-tokens-limit': '96000',
      'anthropic-ratelimit-tokens-remaining': '96000',
      'anthropic-ratelimit-tokens-reset': '2025-08-21T12:40:59Z',
      'anthropic-ratelimit-input-tokens-limit': '80000',
      'anthropic-ratelimit-input-tokens-remaining': '80000',
      'anthropic-ratelimit-input-tokens-reset': '2025-08-21T12:40:59Z',
      'anthropic-ratelimit-output-tokens-limit': '16000',
      'anthropic-ratelimit-output-tokens-remaining': '15000',
      'anthropic-ratelimit-output-tokens-reset': '2025-08-21T12:41:00Z',
    });
    expect(parseRateLimitHeaders(headers, NOW)).toEqual({
      requests: { limit: 1000, remaining: 999, resetMs: 750 },
      tokens: { limit: 96_000, remaining: 96_000, resetMs: 750 },
      inputTokens: { limit: 80_000, remaining: 80_000, resetMs: 750 },
      outputTokens: { limit: 16_000, remaining: 15_000, resetMs: 1_750 },
    });
  });

  it('should leave out a limit it cannot read and report nothing for a provider that sends none', () => {
    expect(
      parseRateLimitHeaders(
        new Headers({
          'x-ratelimit-remaining-requests': 'lots',
          'x-ratelimit-reset-requests': '1s',
          'anthropic-ratelimit-tokens-remaining': '10',
          'anthropic-ratelimit-tokens-reset': 'soon',
        }),
        NOW,
      ),
    ).toEqual({});
    expect(parseRateLimitHeaders(new Headers({ 'x-request-id': 'req_1' }), NOW)).toEqual({});
    expect(parseRateLimitHeaders(undefined, NOW)).toEqual({});
  });
});
