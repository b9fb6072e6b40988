import type { Redis } from 'ioredis';
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';

export interface RateLimitOptions {
  redis: Redis;
  /** Key namespace, e.g. `aiq:ratelimit:standard`; shared by every API process on this Redis. */
  keyPrefix: string;
  /** Requests per user per window (runbook: 10/min standard, 5/min expensive). */
  points: number;
  /** @defaultValue 60 */
  windowSeconds?: number;
  /** Called for each request refused with 429 (the metrics' rejection counter). */
  onRejected?: () => void;
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), set on every answer. */
function rateLimitHeaders(
  points: number,
  windowSeconds: number,
  result: RateLimiterRes,
): Record<string, string> {
  return {
    'RateLimit-Policy': `${points};w=${windowSeconds}`,
    'RateLimit-Limit': String(points),
    'RateLimit-Remaining': String(Math.max(0, result.remainingPoints)),
    'RateLimit-Reset': String(Math.ceil(result.msBeforeNext / 1000)),
  };
}

/**
 * Marks the request as work: a task was accepted (its job enqueued) for it. The rate limiter
 * keeps its point whatever the answer, a 502 or 504 after retries and fallbacks included.
 */
export function acceptedWork(c: Context<AppEnv>): void {
  c.set('workAccepted', true);
}

/**
 * Per-user fixed-window limit kept in Redis (rate-limiter-flexible's atomic Lua counter), so all
 * API processes share one budget per user. Over it: 429 with Retry-After. Redis down: 503.
 * The budget counts work, not answers: a request refused before any work was done (answered 4xx
 * or 5xx before a task was accepted) gets its point back; one whose task was accepted keeps it,
 * whatever it ends in (see {@link acceptedWork}).
 */
export function rateLimit({
  redis,
  keyPrefix,
  points,
  windowSeconds = 60,
  onRejected,
}: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration: windowSeconds,
    rejectIfRedisNotReady: true,
  });
  return async function limitRequests(c, next) {
    let result: RateLimiterRes;
    try {
      result = await limiter.consume(c.var.user.id);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        onRejected?.();
        const headers = rateLimitHeaders(points, windowSeconds, rejection);
        throw new ApiError(
          429,
          'rate_limited',
          `More than ${points} requests in ${windowSeconds} s; retry later`,
          {
            ...headers,
            'Retry-After': String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))),
          },
        );
      }
      throw new ApiError(
        503,
        'service_unavailable',
        'Rate limiting is unavailable; retry shortly',
        {
          'Retry-After': '1',
        },
      );
    }
    for (const [name, value] of Object.entries(rateLimitHeaders(points, windowSeconds, result))) {
      c.header(name, value);
    }
    await next();
    // Only refusals before any work get their point back: a request refused for its own content
    // (invalid body, too large, unknown model, over the context window) or during an outage
    // (503, not enqueued), so a client that retries after fixing it or after the outage is not
    // held back. A task that was accepted and then failed (a /v1 502 or 504 after retries and
    // fallbacks) used the workers and the providers: it counts, or one key could keep every
    // worker busy for free. LiteLLM and nginx's limit_req count a request once it is admitted.
    if (c.res.status >= 400 && c.get('workAccepted') !== true) {
      const refunded = await limiter.reward(c.var.user.id, 1).catch(() => undefined);
      if (refunded !== undefined) {
        c.res.headers.set(
          'RateLimit-Remaining',
          String(Math.min(points, Math.max(0, refunded.remainingPoints))),
        );
      }
    }
  };
}
