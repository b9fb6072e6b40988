import { Hono } from 'hono';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';

/**
 * `GET /metrics`: the Prometheus text exposition of this API process, behind an operator key
 * (Prometheus sends it with `authorization: { credentials_file: … }`). Only bounded labels, no
 * per-user data; off the OpenAPI document, as it is for the scraper, not for clients.
 */
export function metricsRoutes({ metrics }: Pick<ApiDeps, 'metrics'>) {
  return new Hono<AppEnv>().get('/', async (c) => {
    let scraped: Awaited<ReturnType<typeof metrics.scrape>>;
    try {
      scraped = await metrics.scrape();
    } catch {
      // Redis away: the scrape fails visibly rather than reporting stale depths and states.
      throw new ApiError(503, 'metrics_unavailable', 'Metrics are unavailable; retry shortly');
    }
    return c.body(scraped.body, 200, { 'content-type': scraped.contentType });
  });
}
