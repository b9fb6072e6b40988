import { ProviderError } from '@aiq/providers';
import { isRedisOutOfMemory } from '@aiq/queue';
import { TaskRefusedError, UnknownTaskTypeError } from '@aiq/tasks';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import type { AppEnv } from './app-env.js';
import { dependencyOutage } from './dependency-unavailable.js';

/** The body of every error response: a stable machine code and a human message. */
interface ErrorBody {
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

/** One line per zod issue, `path: message`, without echoing the received values. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '') + issue.message)
    .join('; ');
}

/**
 * Our errors and the libraries' as an ApiError: submission refusals are 4xx, an unreachable
 * Redis or Postgres, or a Redis out of memory, is a fast 503 with Retry-After, anything else is
 * `undefined` (a 500).
 */
function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const status = error.status;
    const code =
      status === 413 ? 'payload_too_large' : status === 400 ? 'invalid_request' : 'http_error';
    return new ApiError(status, code, error.message || 'Request failed');
  }
  if (ProviderError.isInstance(error)) {
    // Raised by the registry and checkFits before anything is written.
    return new ApiError(400, error.kind, error.message);
  }
  if (error instanceof UnknownTaskTypeError) {
    return new ApiError(400, 'unknown_task_type', error.message);
  }
  if (error instanceof TaskRefusedError) return new ApiError(400, error.code, error.message);
  if (error instanceof ZodError)
    return new ApiError(400, 'invalid_request', describeZodError(error));
  // Nothing was enqueued: the client may retry, and succeeds once Redis has room again.
  if (isRedisOutOfMemory(error)) {
    return new ApiError(503, 'service_unavailable', 'Redis is out of memory; retry shortly', {
      'Retry-After': '1',
    });
  }
  const outage = dependencyOutage(error);
  if (outage !== undefined) {
    return new ApiError(
      503,
      'service_unavailable',
      `${outage === 'redis' ? 'Redis' : 'Postgres'} is unreachable; retry shortly`,
      {
        'Retry-After': '1',
      },
    );
  }
  return undefined;
}

/**
 * OpenAI's error `code` for one of ours where OpenAI documents its own name, so code written
 * against OpenAI (`error.code === 'context_length_exceeded'`) works unchanged on `/v1`.
 */
export function openAIErrorCode(code: string): string {
  return code === 'token_limit_exceeded' ? 'context_length_exceeded' : code;
}

/** OpenAI's error `type` for a status, so its SDKs raise the matching error class. */
function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * Renders any thrown error as `{error: {code, message}}` (on `/v1`, OpenAI's
 * `{error: {message, type, param, code}}`, a superset); never a stack trace to the client.
 */
export function renderError(error: Error, c: Context<AppEnv>): Response {
  const apiError = toApiError(error);
  if (apiError === undefined) c.var.logger.error({ err: error }, 'unhandled error');
  const { status, code, message, headers } =
    apiError ?? new ApiError(500, 'internal_error', 'Internal server error');
  if (apiError?.status === 503) c.var.logger.warn({ err: error.message }, 'dependency outage');
  const body = c.req.path.startsWith('/v1/')
    ? {
        error: { message, type: openAIErrorType(status), param: null, code: openAIErrorCode(code) },
      }
    : { error: { code, message } };
  return c.json(body, status, headers);
}

/** 404 for unknown routes, in the same shape. */
export function renderNotFound(c: Context<AppEnv>): Response {
  return c.json<ErrorBody>(
    { error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } },
    404,
  );
}
