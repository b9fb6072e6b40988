import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env.js';

/** Request headers a page may send: the key, JSON bodies, idempotent retries, SSE resume. */
const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'];

/**
 * Response headers a page may read besides the CORS-safelisted ones: when to retry, the rate
 * limit fields that `rate-limit.ts` sends, the request id to quote in a report, and where a
 * submitted task's events are.
 */
const EXPOSE_HEADERS = [
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
  'X-Request-Id',
  'X-Task-Id',
  'Content-Location',
];

/**
 * CORS for browser frontends on the configured origins (hono's `cors`). Mounted before
 * authentication: a preflight carries no credentials, so it is answered here (204) and never
 * reaches the key check. Other origins get no CORS headers, so browsers keep the answers from
 * them (and a preflight from them meets authentication). Keys travel in `Authorization`, not cookies, so credentials mode is not needed.
 */
export function corsForBrowsers(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(origins);
  const allowCors = cors({
    origin: [...origins],
    allowMethods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: 600,
  });
  return async function corsIfAllowed(c, next) {
    if (allowed.has(c.req.header('origin') ?? '')) return allowCors(c, next);
    // hono's cors would still list the allowed headers to anyone; say nothing instead.
    await next();
    c.header('Vary', 'Origin', { append: true }); // caches must not mix the two answers
  };
}
