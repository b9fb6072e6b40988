import type { MiddlewareHandler } from 'hono';
import type { MockEnv } from './mock-env.js';
import type { ProviderDialect } from './provider-dialect.js';
import { sendError } from './send-error.js';

/** Rejects requests without valid credentials with the provider's own 401 (or 400). */
export function authenticate<T>(dialect: ProviderDialect<T>): MiddlewareHandler<MockEnv> {
  return async function authenticate(c, next) {
    const error = dialect.authenticate(c.req.raw.headers);
    if (error) return sendError(dialect, c.var.entry, error);
    await next();
    return undefined;
  };
}

/**
 * The API key from `Authorization: Bearer <key>`, or undefined when absent.
 * OpenAI and DeepSeek both authenticate this way.
 */
export function bearerKey(headers: Headers): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(headers.get('authorization') ?? '');
  return match?.[1]?.trim() || undefined;
}

/** Keys starting with `invalid` are rejected, so tests can reproduce a revoked key. */
export function isInvalidKey(key: string): boolean {
  return key.startsWith('invalid');
}

/** A key shortened the way providers echo it in errors (`sk-a…wxyz`), never in full. */
export function maskKey(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 3)}****${key.slice(-4)}`;
}

/** `authenticate` and `apiKey` of a dialect that takes `Authorization: Bearer` (OpenAI, DeepSeek). */
export const bearerAuthentication: Pick<ProviderDialect<unknown>, 'authenticate' | 'apiKey'> = {
  authenticate(headers) {
    const key = bearerKey(headers);
    if (key === undefined) return { kind: 'missing_key' };
    return isInvalidKey(key) ? { kind: 'invalid_key', key } : undefined;
  },
  apiKey: (headers) => bearerKey(headers) ?? '',
};
