import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import { createTaskEventPublisher } from '@aiq/events';
import { createLedgerWriter, type LedgerStats } from '@aiq/ledger';
import type { Logger } from '@aiq/logger';
import { createAiqMetrics } from '@aiq/metrics';
import {
  createProviders,
  loadModelRegistry,
  modelsAsOfNotice,
  type ModelRegistry,
  type Providers,
} from '@aiq/providers';
import {
  closeQueues,
  createMaintenanceQueue,
  createQueues,
  createRedisConnection,
  ensembleCandidateJobId,
  enforceEviction,
  inspectRedis,
  judgeEviction,
  RECONCILE_JOB_NAME,
  RETENTION_JOB_NAME,
  TOKEN_USAGE_JOB_NAME,
  waitUntilReady,
} from '@aiq/queue';
import { createRouting } from '@aiq/routing';
import { listenForCancellations } from './cancel-listener.js';
import { createWorkers } from './create-workers.js';
import { drainWorkers } from './drain-workers.js';
import { listenForHealth } from './health-port.js';
import type { HealthServer } from './health-server.js';
import { keepMaintenanceScheduled } from './maintenance-schedule.js';
import { createAnalyzeDocumentTask } from './tasks/analyze-document-task.js';
import { backgroundGenerationTask } from './tasks/background-generation-task.js';
import { ensembleTask } from './tasks/ensemble-task.js';
import { createTaskRegistry, type AnyTaskHandler } from './tasks/task-registry.js';
import { resolveWorkerSettings, type WorkerSettings } from './worker-settings.js';

export interface StartWorkerOptions {
  config: Config;
  logger: Logger;
  /** The ledger; its owner closes it (`pnpm start` shares one PGlite with the API). */
  database: Database;
  /** Timings, concurrency and roles beyond the environment; defaults suit production. */
  settings?: Partial<WorkerSettings>;
  /** @defaultValue createProviders(config.providers) */
  providers?: Providers;
  /** @defaultValue loadModelRegistry(config.models) */
  registry?: ModelRegistry;
  /** Application task types, beside the built-in `ai_background_generation` and `ai_analyze_document`. */
  taskHandlers?: readonly AnyTaskHandler[];
}

export interface RunningWorker {
  /** Port of the health endpoint. */
  readonly healthPort: number;
  /** Ledger counters: buffered, written, dropped. */
  ledgerStats(): LedgerStats;
  /** Resolves once every ledger write recorded so far is in Postgres (tests, diagnostics). */
  flushLedger(): Promise<void>;
  /** Drains (SIGTERM semantics: finish or hand back within the grace period) and stops. */
  close(): Promise<void>;
}

/**
 * Starts one worker process's machinery: a worker-role Redis connection (it waits out outages),
 * the Redis safety check, the BullMQ workers of its roles, the cancel listener, the ledger
 * writer, the reconciler's schedule and the health endpoint.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { config, logger, database } = options;
  const settings = resolveWorkerSettings(config, options.settings);
  const redis = createRedisConnection({
    ...config.redis,
    role: 'worker',
    name: 'aiq-worker',
  });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  await waitUntilReady(redis, 30_000);
  const health = await inspectRedis(redis);
  // An evicting Redis deletes queued jobs under memory pressure: refuse it, in one line.
  enforceEviction(judgeEviction(health), redis, (warning) => logger.warn(warning));
  logger.info({ redisVersion: health.version, appendOnly: health.appendOnly }, 'redis ready');

  const registry = options.registry ?? loadModelRegistry(config.models);
  // Whoever passes the registry in (`pnpm start`) has said this already.
  const asOf = options.registry === undefined ? modelsAsOfNotice(config.models) : undefined;
  if (asOf !== undefined) logger.warn(asOf);
  const queues = createQueues(redis, config.redis.prefix, config.retention);
  const maintenance = createMaintenanceQueue(redis, config.redis.prefix);
  const ledger = createLedgerWriter({
    database,
    redis,
    prefix: config.redis.prefix,
    logger,
    maxBuffered: settings.ledgerMaxBuffered,
    maxBufferedBytes: config.worker.ledgerMaxBufferedBytes,
    claimIdleMs: settings.ledgerClaimIdleMs,
  });
  const metrics = createAiqMetrics({ knownModels: (id) => registry.has(id) });
  metrics.observeQueues(() => Object.values(queues));
  metrics.observeLedger(() => ledger.stats());
  const deps = {
    config,
    settings,
    logger,
    database,
    redis,
    queues,
    ledger,
    registry,
    events: createTaskEventPublisher({
      redis,
      prefix: config.redis.prefix,
      maxEvents: settings.replayMaxEvents,
      ttlSeconds: settings.replayTtlSeconds,
    }),
    providers: options.providers ?? createProviders(config.providers),
    routing: createRouting({
      redis,
      config,
      logger,
      models: () => registry.list(),
      registry: metrics.registry,
    }),
    metrics,
    tasks: createTaskRegistry([
      backgroundGenerationTask,
      createAnalyzeDocumentTask(registry),
      ensembleTask,
      ...(options.taskHandlers ?? []),
    ]),
  };
  const workers = createWorkers(deps);
  const stopCancelListener = await listenForCancellations(redis, {
    prefix: config.redis.prefix,
    workers,
    logger,
    // An ensemble's candidates run under ids made of the task id and a model of the registry.
    childJobIds: (taskId) =>
      registry.list().map((model) => ensembleCandidateJobId(taskId, model.id)),
  });
  const stopSchedule = settings.roles.includes('maintenance')
    ? keepMaintenanceScheduled(
        maintenance,
        [
          { name: RECONCILE_JOB_NAME, intervalMs: settings.reconcileIntervalMs },
          { name: RETENTION_JOB_NAME, intervalMs: config.retention.sweepIntervalMs },
          {
            name: TOKEN_USAGE_JOB_NAME,
            intervalMs: config.operations.tokenUsage.checkIntervalMs,
          },
        ],
        { logger },
      )
    : () => undefined;
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));

  let server: HealthServer | undefined;
  let closing: Promise<void> | undefined;
  const close = (graceMs: number) => {
    closing ??= (async () => {
      stopSchedule();
      // With Redis gone no job can be finished or handed back: stop at once, and let the
      // stalled-job check return the jobs to the queue once Redis is back.
      const redisUp = redis.status === 'ready';
      await drainWorkers(workers, { graceMs: redisUp ? graceMs : 0, logger });
      await stopCancelListener();
      await ledger.close({ timeoutMs: 5_000 });
      await server?.close();
      await closeQueues(queues);
      await maintenance.close();
      // QUIT would wait forever for a Redis that is down (worker connections never give up).
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    })();
    return closing;
  };
  try {
    server = await listenForHealth({
      host: config.api.host,
      port: config.worker.metricsPort,
      logger,
      status: () => {
        if (redis.status !== 'ready') return 'unavailable';
        const stuck = ledger.stats().pendingBatchAgeMs >= settings.ledgerStuckAfterMs;
        return stuck ? 'ledger_stuck' : 'ok';
      },
      details: () => ({ ledger: ledger.stats() }),
      metrics: () => metrics.scrape(),
    });
  } catch (error) {
    // A taken WORKER_METRICS_PORT: hand back whatever was picked up meanwhile, then fail.
    await close(0);
    throw error;
  }
  logger.info(
    { port: server.port, roles: settings.roles, concurrency: settings.generationConcurrency },
    'worker started',
  );
  return {
    healthPort: server.port,
    ledgerStats: () => ledger.stats(),
    flushLedger: () => ledger.flush(),
    close: () => close(settings.shutdownGraceMs),
  };
}
