import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from './app-env.js';
import { ApiError, describeZodError } from './api-error.js';

/**
 * The OpenAPIHono `defaultHook`: a body, query, path or header that fails its schema becomes a
 * 400 `{error: {code: 'invalid_request', message}}` naming the fields (R12), never a 500.
 */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    throw new ApiError(400, 'invalid_request', describeZodError(result.error));
  }
};
