import { z } from 'zod';
import type { MockProvider } from '../fault-spec.js';

/**
 * A provider's scripted rate limit: requests and/or tokens per window, enforced with a 429 and
 * reported on every generation response in the provider's own headers. `remainingRequests` /
 * `remainingTokens` start the current window with that much left, so a test can script a low
 * remaining count.
 */
export const MockRateLimit = z
  .object({
    requests: z.number().int().positive().optional(),
    tokens: z.number().int().positive().optional(),
    windowMs: z.number().int().positive().default(60_000),
    remainingRequests: z.number().int().min(0).optional(),
    remainingTokens: z.number().int().min(0).optional(),
  })
  .strict();
export type MockRateLimit = z.infer<typeof MockRateLimit>;

/** One limit as reported in headers. */
const ReportedLimit = z.object({
  limit: z.number(),
  remaining: z.number(),
  /** Milliseconds until the window resets, from when the response was planned. */
  resetMs: z.number(),
});

/** What the mock reported (or refused with) for one request under a scripted rate limit. */
export const RateLimitReport = z.object({
  limited: z.boolean(),
  requests: ReportedLimit.optional(),
  tokens: ReportedLimit.optional(),
});
export type RateLimitReport = z.infer<typeof RateLimitReport>;

interface Window {
  readonly spec: MockRateLimit;
  startedAt: number;
  usedRequests: number;
  usedTokens: number;
}

/**
 * Fixed windows per provider, as simple as a provider's limiter looks from outside: each request
 * takes one request and its `prompt + max_tokens` tokens (OpenAI counts `max_tokens` against the
 * limit when the request arrives); a request that does not fit gets a 429 and takes nothing.
 */
export class RateLimitWindows {
  readonly #windows = new Map<MockProvider, Window>();

  /** Scripts (or replaces) a provider's limit; its first window starts now. */
  set(provider: MockProvider, spec: MockRateLimit, now = Date.now()): MockRateLimit {
    const parsed = MockRateLimit.parse(spec);
    this.#windows.set(provider, {
      spec: parsed,
      startedAt: now,
      usedRequests:
        parsed.requests === undefined || parsed.remainingRequests === undefined
          ? 0
          : Math.max(0, parsed.requests - parsed.remainingRequests),
      usedTokens:
        parsed.tokens === undefined || parsed.remainingTokens === undefined
          ? 0
          : Math.max(0, parsed.tokens - parsed.remainingTokens),
    });
    return parsed;
  }

  clear(): void {
    this.#windows.clear();
  }

  /**
   * Takes one request of `tokens` from the provider's window, or refuses it.
   * @returns undefined when the provider has no scripted limit
   */
  take(provider: MockProvider, tokens: number, now = Date.now()): RateLimitReport | undefined {
    const window = this.#windows.get(provider);
    if (window === undefined) return undefined;
    const { spec } = window;
    if (now >= window.startedAt + spec.windowMs) {
      window.startedAt = now;
      window.usedRequests = 0;
      window.usedTokens = 0;
    }
    const requestsFit = spec.requests === undefined || window.usedRequests + 1 <= spec.requests;
    const tokensFit = spec.tokens === undefined || window.usedTokens + tokens <= spec.tokens;
    const limited = !(requestsFit && tokensFit);
    if (!limited) {
      window.usedRequests += 1;
      window.usedTokens += tokens;
    }
    const resetMs = window.startedAt + spec.windowMs - now;
    const report = (limit: number | undefined, used: number, spent: boolean) =>
      limit === undefined
        ? undefined
        : { limit, remaining: spent ? 0 : Math.max(0, limit - used), resetMs };
    const requests = report(spec.requests, window.usedRequests, !requestsFit);
    const tokenReport = report(spec.tokens, window.usedTokens, !tokensFit);
    return {
      limited,
      ...(requests === undefined ? {} : { requests }),
      ...(tokenReport === undefined ? {} : { tokens: tokenReport }),
    };
  }
}
