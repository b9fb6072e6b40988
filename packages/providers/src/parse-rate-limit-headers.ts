import { parseDurationMs, readHeader, type HeadersLike } from './parse-retry-after.js';

/** One limit a provider reported: its size (when sent), what is left, and when it is full again. */
export interface RateLimitWindow {
  readonly limit: number | undefined;
  readonly remaining: number;
  /** Milliseconds from the response until the limit is fully replenished. */
  readonly resetMs: number;
}

/**
 * The rate-limit state one response reported. OpenAI (and OpenAI-compatible APIs that send them)
 * report `requests` and `tokens`; Anthropic also `inputTokens` and `outputTokens`. Absent when not
 * sent (DeepSeek documents none).
 */
export type RateLimitHeaders = Partial<
  Record<'requests' | 'tokens' | 'inputTokens' | 'outputTokens', RateLimitWindow>
>;

const NON_NEGATIVE = /^\d+(?:\.\d+)?$/;

function count(value: string | undefined): number | undefined {
  return value !== undefined && NON_NEGATIVE.test(value.trim()) ? Number(value.trim()) : undefined;
}

function window(
  limit: string | undefined,
  remaining: string | undefined,
  resetMs: number | undefined,
): RateLimitWindow | undefined {
  const left = count(remaining);
  if (left === undefined || resetMs === undefined) return undefined;
  return { limit: count(limit), remaining: left, resetMs: Math.max(0, Math.ceil(resetMs)) };
}

/**
 * Reads a response's rate-limit headers, in the documented formats:
 * - OpenAI / DeepSeek: `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`,
 *   `x-ratelimit-reset-requests` (a Go duration: `1s`, `6m0s`, `20ms`), and the same for
 *   `-tokens`;
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
 *   the reset an RFC 3339 instant (`2025-08-21T12:40:59Z`).
 * A limit without a parsable remaining count or reset is left out.
 */
export function parseRateLimitHeaders(headers: HeadersLike, now = Date.now()): RateLimitHeaders {
  const result: { -readonly [K in keyof RateLimitHeaders]: RateLimitWindow } = {};
  for (const [name, dimension] of [
    ['requests', 'requests'],
    ['tokens', 'tokens'],
  ] as const) {
    const reset = readHeader(headers, `x-ratelimit-reset-${name}`);
    const parsed = window(
      readHeader(headers, `x-ratelimit-limit-${name}`),
      readHeader(headers, `x-ratelimit-remaining-${name}`),
      reset === undefined ? undefined : parseDurationMs(reset),
    );
    if (parsed !== undefined) result[dimension] = parsed;
  }
  for (const [name, dimension] of [
    ['requests', 'requests'],
    ['tokens', 'tokens'],
    ['input-tokens', 'inputTokens'],
    ['output-tokens', 'outputTokens'],
  ] as const) {
    const reset = readHeader(headers, `anthropic-ratelimit-${name}-reset`);
    const instant = reset === undefined ? NaN : Date.parse(reset.trim());
    const parsed = window(
      readHeader(headers, `anthropic-ratelimit-${name}-limit`),
      readHeader(headers, `anthropic-ratelimit-${name}-remaining`),
      Number.isNaN(instant) ? undefined : instant - now,
    );
    if (parsed !== undefined) result[dimension] = parsed;
  }
  return result;
}
