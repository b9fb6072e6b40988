import type { Logger } from '@aiq/logger';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * Gives each request a child logger with its id and logs one line when it ends. The path is
 * logged without its query string: stream tokens travel there and must not reach a log.
 */
export function requestLogger({ logger }: { logger: Logger }): MiddlewareHandler<AppEnv> {
  return async function logRequest(c, next) {
    const started = performance.now();
    const child = logger.child({ requestId: c.var.requestId });
    c.set('logger', child);
    await next();
    child.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
      },
      'request',
    );
  };
}
