import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './app-env.js';

/** The body of every error response: a stable machine code and a human message. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** The one error type routes throw (house style R12, Hono's HTTPException for our shape). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. `Retry-After` on 503 and 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Renders any thrown error as `{error: {code, message}}`; never a stack trace to the client. */
export function renderError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof ApiError) {
    return c.json<ErrorBody>(
      { error: { code: error.code, message: error.message } },
      error.status,
      error.headers,
    );
  }
  if (error instanceof HTTPException) {
    // Hono's own (e.g. the body-limit middleware or malformed JSON in a validator).
    const status = error.status;
    const code =
      status === 413 ? 'payload_too_large' : status === 400 ? 'invalid_request' : 'http_error';
    return c.json<ErrorBody>(
      { error: { code, message: error.message || 'Request failed' } },
      status,
    );
  }
  c.var.logger.error({ err: error }, 'unhandled error');
  return c.json<ErrorBody>(
    { error: { code: 'internal_error', message: 'Internal server error' } },
    500,
  );
}

/** 404 for unknown routes, in the same shape. */
export function renderNotFound(c: Context<AppEnv>): Response {
  return c.json<ErrorBody>(
    { error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } },
    404,
  );
}
