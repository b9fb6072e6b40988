import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { readDailyUsage, readStatusReport } from '@aiq/operations';
import { bulkRetry } from '@aiq/tasks';
import type { ApiDeps } from '../api-deps.js';
import type { AppEnv } from '../app-env.js';
import { ErrorResponse } from '../schemas/task-schemas.js';
import { assertRedisReady } from '../submission/submit-generation.js';
import { validationHook } from '../validation-hook.js';

const HOUR_MS = 3_600_000;
const security = [{ bearerAuth: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  400: json(ErrorResponse, 'Invalid request'),
  401: json(ErrorResponse, 'Missing or invalid API key'),
  403: json(ErrorResponse, 'Not an operator key'),
};
const Report = z.record(z.string(), z.unknown()).openapi('OperationsReport');

const report = createRoute({
  method: 'get',
  path: '/operations',
  summary:
    "The operations dashboard's data: `aiq status --json` for the window, plus tokens and cost per day",
  security,
  request: {
    query: z.object({
      hours: z.coerce
        .number()
        .int()
        .min(1)
        .max(24 * 31)
        .default(24),
    }),
  },
  responses: { 200: json(Report, 'status: aiq status --json; dailyUsage: per UTC day'), ...errors },
});

const BulkRetryRequest = z
  .object({
    /** `aiq tasks bulk-retry`'s filters. */
    statuses: z
      .array(z.enum(['failed', 'timeout']))
      .min(1)
      .default(['failed']),
    sinceHours: z
      .number()
      .positive()
      .max(24 * 31)
      .default(1),
    type: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    errorCode: z.string().min(1).optional(),
    maxRetries: z.number().int().min(1).max(100).default(3),
    limit: z.number().int().min(1).max(10_000).optional(),
    includeNonRetryable: z.boolean().default(false),
    /** Count what would be retried and change nothing. */
    dryRun: z.boolean().default(true),
  })
  .openapi('BulkRetryRequest');

const bulk = createRoute({
  method: 'post',
  path: '/tasks/bulk-retry',
  summary:
    'Retry failed tasks by filter, as `aiq tasks bulk-retry` does (dry run by default); audited in operator_actions',
  security,
  request: {
    body: { content: { 'application/json': { schema: BulkRetryRequest } }, required: true },
  },
  responses: { 200: json(Report, 'matched, retried, skipped, taskIds, dryRun'), ...errors },
});

/** `/api/admin/operations` and `/api/admin/tasks/bulk-retry` (operator key required). */
export function adminOperationsRoutes(deps: ApiDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(report, async (c) => {
      const sinceMs = c.req.valid('query').hours * HOUR_MS;
      const [status, dailyUsage] = await Promise.all([
        readStatusReport(deps.config, deps.database, deps.redis, sinceMs),
        readDailyUsage(deps.database, sinceMs),
      ]);
      return c.json({ status, dailyUsage } as Record<string, unknown>, 200);
    })
    .openapi(bulk, async (c) => {
      const body = c.req.valid('json');
      if (!body.dryRun) assertRedisReady(deps);
      const summary = await bulkRetry(
        { ...deps, registry: deps.models },
        {
          statuses: body.statuses,
          sinceMs: body.sinceHours * HOUR_MS,
          maxRetries: body.maxRetries,
          includeNonRetryable: body.includeNonRetryable,
          ...(body.type === undefined ? {} : { type: body.type }),
          ...(body.model === undefined ? {} : { model: body.model }),
          ...(body.errorCode === undefined ? {} : { errorCode: body.errorCode }),
          ...(body.limit === undefined ? {} : { limit: body.limit }),
        },
        { door: 'api', by: c.var.user.id },
        { dryRun: body.dryRun },
      );
      return c.json({ ...summary } as Record<string, unknown>, 200);
    });
}
