import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { recordOperatorAction } from '@aiq/tasks';
import type { ApiDeps } from '../api-deps.js';
import type { AppEnv } from '../app-env.js';
import { ErrorResponse } from '../schemas/task-schemas.js';
import type { PublicStatus } from '../status/public-status.js';
import {
  deleteNotice,
  NoticeSeverity,
  StatusNotice,
  writeNotice,
} from '../status/status-notice.js';
import type { TtlCache } from '../status/ttl-cache.js';
import { validationHook } from '../validation-hook.js';

const security = [{ bearerAuth: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  401: json(ErrorResponse, 'Missing or invalid API key'),
  403: json(ErrorResponse, 'Not an operator key'),
};

const NoticeRequest = z
  .object({
    message: z.string().trim().min(1, 'must not be empty').max(1000),
    severity: NoticeSeverity.default('minor'),
  })
  .openapi('NoticeRequest');

const NoticeCleared = z.object({ cleared: z.boolean() }).openapi('NoticeCleared');

const set = createRoute({
  method: 'put',
  path: '/',
  summary: "Set the notice users see at GET /api/status (the runbook's notify-users step)",
  security,
  request: {
    body: { content: { 'application/json': { schema: NoticeRequest } }, required: true },
  },
  responses: {
    200: json(StatusNotice, 'Set, and recorded in operator_actions'),
    400: json(ErrorResponse, 'Invalid request (e.g. an empty message)'),
    ...errors,
  },
});

const clear = createRoute({
  method: 'delete',
  path: '/',
  summary: 'Clear the notice (cleared: false when there was none)',
  security,
  responses: { 200: json(NoticeCleared, 'Cleared, and recorded in operator_actions'), ...errors },
});

/**
 * `/api/admin/notice` (operator key): the notice lives in Redis, shared by every API process;
 * each change is audited in `operator_actions` (`notice_set`, `notice_clear`, door `api`) first,
 * as a switch-over is. Other processes serve it within their status cache's few seconds.
 */
export function adminNoticeRoutes(deps: ApiDeps, status: TtlCache<PublicStatus>) {
  const { redis, database, logger } = deps;
  const prefix = deps.config.redis.prefix;
  const audit = (
    action: 'notice_set' | 'notice_clear',
    by: string,
    changed: boolean,
    filters?: Record<string, unknown>,
  ) =>
    recordOperatorAction(database, {
      action,
      door: 'api',
      by,
      taskIds: [],
      ...(filters === undefined ? {} : { filters }),
      matched: 1,
      changed: changed ? 1 : 0,
      skipped: 0,
    });
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(set, async (c) => {
      const { message, severity } = c.req.valid('json');
      const notice = { message, severity, since: new Date().toISOString() };
      await audit('notice_set', c.var.user.id, true, { message, severity });
      await writeNotice(redis, prefix, notice);
      status.invalidate();
      logger.warn({ severity, actor: c.var.user.id }, 'status notice set');
      return c.json(notice, 200);
    })
    .openapi(clear, async (c) => {
      const cleared = await deleteNotice(redis, prefix);
      await audit('notice_clear', c.var.user.id, cleared);
      status.invalidate();
      logger.warn({ cleared, actor: c.var.user.id }, 'status notice cleared');
      return c.json({ cleared }, 200);
    });
}
