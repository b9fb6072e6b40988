import { verifyApiKey, type Principal } from '@aiq/auth';
import type { Database } from '@aiq/db';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';

export interface AuthenticateOptions {
  database: Database;
  /** Only keys of this role pass (operator routes such as Bull Board). */
  requireRole?: Principal['role'];
  /**
   * Ask browsers for credentials (`WWW-Authenticate: Basic`) and accept Basic ones, for pages
   * people open by hand: Bull Board takes the API key as the password. Elsewhere only Bearer
   * keys pass: browsers send cached Basic credentials to the whole origin by themselves.
   */
  browserPrompt?: boolean;
}

/**
 * The key from `Authorization: Bearer <key>`, or, when `basic`, the password of
 * `Basic base64(user:key)`.
 */
function keyFrom(header: string | undefined, basic: boolean): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (basic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

/** Resolves the caller from their API key and sets `c.var.user`; 401 or 403 otherwise. */
export function authenticate({
  database,
  requireRole,
  browserPrompt = false,
}: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  const challenge = browserPrompt ? 'Basic realm="aiq", charset="UTF-8"' : 'Bearer realm="aiq"';
  return async function authenticateRequest(c, next) {
    const key = keyFrom(c.req.header('authorization'), browserPrompt);
    if (!key) {
      throw new ApiError(401, 'unauthorized', 'Send an API key: Authorization: Bearer aiq_…', {
        'WWW-Authenticate': challenge,
      });
    }
    const principal = await verifyApiKey(database, key);
    if (!principal) {
      throw new ApiError(401, 'invalid_api_key', 'The API key is unknown or revoked', {
        'WWW-Authenticate': challenge,
      });
    }
    if (requireRole && principal.role !== requireRole) {
      throw new ApiError(403, 'forbidden', `This route needs an ${requireRole} key`);
    }
    c.set('user', { id: principal.userId, role: principal.role, keyId: principal.keyId });
    await next();
  };
}
