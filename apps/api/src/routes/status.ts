import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { PublicStatus, STATUS_CACHE_MS } from '../status/public-status.js';
import type { TtlCache } from '../status/ttl-cache.js';

const status = createRoute({
  method: 'get',
  path: '/',
  summary:
    "Public status (no key): each provider operational, degraded or outage, and the operators' notice",
  description:
    'outage: the provider is switched off or its circuit is open (its calls go to fallbacks); ' +
    'degraded: its circuit is probing, one of its models is switched off or failing, or over 5 % ' +
    'of its calls failed in the last 5 minutes. Cached for 5 s by each API process and by clients.',
  responses: {
    200: { description: 'Status', content: { 'application/json': { schema: PublicStatus } } },
  },
});

/**
 * `/api/status`: public, so outside the API-key middleware. Each process computes it at most
 * once per {@link STATUS_CACHE_MS} whatever the load, and tells clients and proxies to reuse it
 * as long, so no rate limit is needed to protect Redis and Postgres from it.
 */
export function statusRoutes(cache: TtlCache<PublicStatus>) {
  return new OpenAPIHono<AppEnv>().openapi(status, async (c) => {
    const body = await cache.get();
    c.header('Cache-Control', `public, max-age=${STATUS_CACHE_MS / 1000}`);
    return c.json(body, 200);
  });
}
