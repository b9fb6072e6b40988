import type { Logger } from '@aiq/logger';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { listEndOfLifeWarnings } from '@aiq/providers';
import { queueNames } from '@aiq/queue';
import { readRoutingState, type TargetState } from '@aiq/routing';
import type { ApiDeps } from '../api-deps.js';
import type { AppEnv } from '../app-env.js';

const Check = z.object({ ok: z.boolean(), detail: z.string().optional() });

const RoutingEntry = z.object({
  circuit: z.enum(['closed', 'open', 'half_open']),
  disabled: z.boolean(),
});

const ReadinessResponse = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ redis: Check, postgres: Check, migrations: Check }),
    queues: z.record(z.string(), z.record(z.string(), z.number())),
    /** Models at or near their end of life: worth acting on, not a reason to be unready. */
    warnings: z.array(z.string()),
    /**
     * Circuit state and disabled flag of each provider, and of each model whose own circuit is
     * not closed or which is disabled: an open circuit is routed around, not a reason to be
     * unready. Who disabled it and why is in `GET /api/admin/providers` (operators).
     */
    routing: z
      .object({
        providers: z.record(z.string(), RoutingEntry),
        models: z.record(z.string(), RoutingEntry),
      })
      .optional(),
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

type RoutingSummary = NonNullable<z.infer<typeof ReadinessResponse>['routing']>;

/** The public, reason-free view of routing for readiness. */
async function routingSummary(deps: ApiDeps): Promise<RoutingSummary> {
  const state = await readRoutingState(deps.redis, deps.config.redis.prefix, deps.models.list());
  const entry = (target: TargetState) => ({
    circuit: target.circuit.state,
    disabled: target.disabled !== null,
  });
  return {
    providers: Object.fromEntries(
      Object.entries(state.providers).map(([name, target]) => [name, entry(target)]),
    ),
    models: Object.fromEntries(
      Object.entries(state.models)
        .filter(([, target]) => target.circuit.state !== 'closed' || target.disabled !== null)
        .map(([id, target]) => [id, entry(target)]),
    ),
  };
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
      const routing = redis.ok ? await routingSummary(deps) : undefined;
      const ready = redis.ok && postgres.ok && migrations.ok;
      const warnings = listEndOfLifeWarnings(deps.models).map((warning) => warning.message);
      const body = {
        status: ready ? ('ready' as const) : ('not_ready' as const),
        checks: { redis, postgres, migrations },
        queues,
        warnings,
        ...(routing === undefined ? {} : { routing }),
      };
      return ready ? c.json(body, 200) : c.json(body, 503);
    });
}
