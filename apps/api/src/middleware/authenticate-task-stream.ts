import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import { redeemStreamToken } from '../tasks/stream-tokens.js';

const EVENTS_PATH = /^\/api\/tasks\/([^/]+)\/events$/;

export interface AuthenticateTaskStreamOptions {
  redis: Redis;
  prefix: string;
  /** The API-key middleware, used for every request without a stream token. */
  authenticate: MiddlewareHandler<AppEnv>;
}

/**
 * API keys everywhere under `/api/tasks`, plus `?token=` on `GET /api/tasks/:id/events` for
 * EventSource: a stream token valid for that task and its user only, which EventSource's own
 * reconnect may present again (`Last-Event-ID`) until it expires. The token is in the query
 * string, which the request logger never writes.
 */
export function authenticateTaskStream({
  redis,
  prefix,
  authenticate,
}: AuthenticateTaskStreamOptions): MiddlewareHandler<AppEnv> {
  return async function authenticateStreamRequest(c, next) {
    const token = c.req.query('token');
    const taskId = EVENTS_PATH.exec(c.req.path)?.[1];
    if (token === undefined || taskId === undefined || c.req.method !== 'GET') {
      return authenticate(c, next);
    }
    const redeemed = await redeemStreamToken(redis, prefix, token);
    if (redeemed === undefined || redeemed.grant.taskId !== taskId) {
      throw new ApiError(
        401,
        'invalid_stream_token',
        'The stream token is unknown or expired, or for another task',
      );
    }
    const { grant, key } = redeemed;
    c.set('user', { id: grant.userId, role: grant.role, keyId: grant.keyId });
    c.set('streamTokenKey', key);
    await next();
  };
}
