import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import type { PostgresOutageLatch } from '../postgres-outage-latch.js';

/** A fast 503 for a request that needs Postgres while this process knows it is unreachable. */
export function refuseWhilePostgresDown(latch: PostgresOutageLatch): MiddlewareHandler<AppEnv> {
  return async function refuseIfPostgresDown(_c, next) {
    if (latch.down) {
      throw new ApiError(503, 'service_unavailable', 'Postgres is unreachable; retry shortly', {
        'Retry-After': '1',
      });
    }
    await next();
  };
}
