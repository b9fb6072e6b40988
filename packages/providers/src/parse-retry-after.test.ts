import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseRetryAfterMs } from './parse-retry-after.js';

const now = Date.parse('2026-11-28T12:00:00Z');

describe('parseRetryAfterMs', () => {
  it('should prefer retry-after-ms over retry-after', () => {
    expect(
      parseRetryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }), { now }),
    ).toBe(250);
  });

  it('should read retry-after in seconds, including fractions', () => {
    expect(parseRetryAfterMs({ 'Retry-After': '2' }, { now })).toBe(2000);
    expect(parseRetryAfterMs({ 'retry-after': '0.5' }, { now })).toBe(500);
  });

  it('should read retry-after as an HTTP date', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Sat, 28 Nov 2026 12:00:30 GMT' }, { now })).toBe(
      30_000,
    );
  });

  it('should clamp an HTTP date in the past to zero', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Sat, 28 Nov 2026 11:00:00 GMT' }, { now })).toBe(0);
  });

  it('should ignore garbage', () => {
    expect(
      parseRetryAfterMs({ 'retry-after': 'soon', 'retry-after-ms': 'later' }, { now }),
    ).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });

  it('should ignore reset headers unless asked (they ride on every OpenAI response)', () => {
    const headers = { 'x-ratelimit-reset-requests': '1s' };
    expect(parseRetryAfterMs(headers, { now })).toBeUndefined();
    expect(parseRetryAfterMs(headers, { now, includeRateLimitResets: true })).toBe(1000);
  });

  it('should use only the spent limit when a remaining header says which one is spent', () => {
    const headers = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '20ms',
      'x-ratelimit-remaining-tokens': '159976',
      'x-ratelimit-reset-tokens': '6m0s',
    };
    expect(parseRetryAfterMs(headers, { now, includeRateLimitResets: true })).toBe(20);
  });

  it('should wait for the latest reset when no limit is marked spent', () => {
    const headers = { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' };
    expect(parseRetryAfterMs(headers, { now, includeRateLimitResets: true })).toBe(360_000);
  });

  it("should read Anthropic's RFC 3339 reset instants", () => {
    const headers = {
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-11-28T12:00:07Z',
      'anthropic-ratelimit-tokens-remaining': '1000',
      'anthropic-ratelimit-tokens-reset': '2026-11-28T12:01:00Z',
    };
    expect(parseRetryAfterMs(headers, { now, includeRateLimitResets: true })).toBe(7000);
  });

  it('should let retry-after win over the reset headers', () => {
    const headers = {
      'retry-after': '3',
      'anthropic-ratelimit-requests-reset': '2026-11-28T12:00:07Z',
    };
    expect(parseRetryAfterMs(headers, { now, includeRateLimitResets: true })).toBe(3000);
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['17.28s', 17_280],
    ['2m', 120_000],
    ['0s', 0],
    ['3', 3000],
  ])('should read %s as %i ms', (value, expected) => {
    expect(parseDurationMs(value)).toBe(expected);
  });

  it.each(['', 'soon', '1d', 's'])('should reject %j', (value) => {
    expect(parseDurationMs(value)).toBeUndefined();
  });
});
