import type { Logger } from '@aiq/logger';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { listEndOfLifeWarnings } from '@aiq/providers';
import { queueNames } from '@aiq/queue';
import type { ApiDeps } from '../api-deps.js';
import type { AppEnv } from '../app-env.js';

const Check = z.object({ ok: z.boolean(), detail: z.string().optional() });

const ReadinessResponse = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ redis: Check, postgres: Check, migrations: Check }),
    queues: z.record(z.string(), z.record(z.string(), z.number())),
    /** Models at or near their end of life: worth acting on, not a reason to be unready. */
    warnings: z.array(z.string()),
  })
  .openapi('Readiness');

const liveness = createRoute({
  method: 'get',
  path: '/',
  summary: 'Liveness: the process serves HTTP',
  responses: {
    200: {
      description: 'Alive',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
});

const readiness = createRoute({
  method: 'get',
  path: '/ready',
  summary: 'Readiness: Redis, Postgres and migrations, with queue depths',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadinessResponse } } },
    503: {
      description: 'Not ready, with the reason',
      content: { 'application/json': { schema: ReadinessResponse } },
    },
  },
});

/**
 * One dependency's check. Readiness is public: a failure says only `unreachable` (or our own
 * reason, such as pending migrations), and the driver's message, with its hosts and ports,
 * goes to the log.
 */
async function check(
  logger: Logger,
  dependency: string,
  probe: () => Promise<{ ok: boolean; detail?: string }>,
): Promise<z.infer<typeof Check>> {
  try {
    return await probe();
  } catch (error) {
    logger.warn(
      { dependency, err: error instanceof Error ? error.message : String(error) },
      'readiness check failed',
    );
    return { ok: false, detail: 'unreachable' };
  }
}

/** `/api/health` (liveness) and `/api/health/ready` (dependencies). */
export function healthRoutes(deps: ApiDeps) {
  return new OpenAPIHono<AppEnv>()
    .openapi(liveness, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readiness, async (c) => {
      const logger = c.var.logger;
      const [redis, postgres, migrations] = await Promise.all([
        check(logger, 'redis', async () => {
          await deps.redis.ping();
          return { ok: true };
        }),
        check(logger, 'postgres', async () => {
          await deps.database.ping();
          return { ok: true, detail: deps.database.kind };
        }),
        check(logger, 'migrations', async () => {
          const status = await deps.database.migrationStatus();
          return status.current
            ? { ok: true, detail: `${status.applied} applied` }
            : { ok: false, detail: `${status.available - status.applied} migration(s) pending` };
        }),
      ]);
      const queues: Record<string, Record<string, number>> = {};
      if (redis.ok) {
        await Promise.all(
          queueNames.map(async (name) => {
            queues[name] = await deps.queues[name].getJobCounts(
              'wait',
              'active',
              'delayed',
              'failed',
            );
          }),
        );
      }
      const ready = redis.ok && postgres.ok && migrations.ok;
      const warnings = listEndOfLifeWarnings(deps.models).map((warning) => warning.message);
      const body = {
        status: ready ? ('ready' as const) : ('not_ready' as const),
        checks: { redis, postgres, migrations },
        queues,
        warnings,
      };
      return ready ? c.json(body, 200) : c.json(body, 503);
    });
}
