import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import { readRoutingState, switchOver, UnknownRoutingTargetError } from '@aiq/routing';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import {
  DisableRequest,
  EnableRequest,
  ProviderNameParams,
  RoutingStateResponse,
  SwitchOverResponse,
} from '../schemas/admin-schemas.js';
import { ErrorResponse } from '../schemas/task-schemas.js';
import { validationHook } from '../validation-hook.js';

const security = [{ bearerAuth: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  400: json(ErrorResponse, 'Invalid request (e.g. a missing reason)'),
  401: json(ErrorResponse, 'Missing or invalid API key'),
  403: json(ErrorResponse, 'Not an operator key'),
};

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'Every provider and model: circuit state, and who disabled it, when and why',
  security,
  responses: { 200: json(RoutingStateResponse, 'Routing state'), ...errors },
});

const responses = {
  200: json(SwitchOverResponse, 'Done, and recorded in routing_changes'),
  ...errors,
  404: json(ErrorResponse, 'unknown_provider: neither a provider nor a model of the registry'),
};

const disable = createRoute({
  method: 'post',
  path: '/{name}/disable',
  summary:
    'Disable a provider or a model fleet-wide (within 1 s): new and retried jobs go to fallbacks',
  security,
  request: {
    params: ProviderNameParams,
    body: { content: { 'application/json': { schema: DisableRequest } }, required: true },
  },
  responses,
});

// The body is optional (`{"reason": "…"}`), so it is read by hand: a bodiless POST is the
// common case, and the JSON validator would refuse it.
const enable = createRoute({
  method: 'post',
  path: '/{name}/enable',
  summary: 'Enable a disabled provider or model again (optional JSON body: {"reason": "…"})',
  security,
  request: { params: ProviderNameParams },
  responses,
});

/** `/api/admin/providers`: operator switch-over without a deploy (operator key required). */
export function adminProviderRoutes(deps: ApiDeps) {
  const change = async (
    name: string,
    action: 'disable' | 'enable',
    reason: string | undefined,
    actor: string,
  ) => {
    try {
      const done = await switchOver(
        {
          redis: deps.redis,
          prefix: deps.config.redis.prefix,
          database: deps.database,
          registry: deps.models,
        },
        { name, action, reason, actor },
      );
      deps.logger.warn(
        { target: done.target, kind: done.kind, action, actor, reason },
        'routing switch-over',
      );
      return { target: done.target, kind: done.kind, action, at: done.at };
    } catch (error) {
      if (error instanceof UnknownRoutingTargetError)
        throw new ApiError(404, error.code, error.message);
      throw error;
    }
  };
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(list, async (c) =>
      c.json(await readRoutingState(deps.redis, deps.config.redis.prefix, deps.models.list()), 200),
    )
    .openapi(disable, async (c) => {
      const { name } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      return c.json(await change(name, 'disable', reason, c.var.user.id), 200);
    })
    .openapi(enable, async (c) => {
      const { name } = c.req.valid('param');
      const body = EnableRequest.safeParse(await c.req.json().catch(() => ({})));
      const reason = body.success ? body.data.reason : undefined;
      return c.json(await change(name, 'enable', reason, c.var.user.id), 200);
    });
}
