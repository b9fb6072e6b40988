import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import type { Logger } from '@aiq/logger';
import { loadModelRegistry, modelsAsOfNotice, type ModelRegistry } from '@aiq/providers';
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  enforceEviction,
  inspectRedis,
  judgeEviction,
  waitUntilReady,
} from '@aiq/queue';
import type { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTaskEventPublisher } from '@aiq/events';
import { DEFAULT_SSE_SETTINGS, type SseSettings } from './api-deps.js';
import { createApiMetrics } from './api-metrics.js';
import { createApp } from './app.js';
import { answerClientError } from './lingering-close.js';
import { createTaskEventFanOut } from './sse/task-event-fan-out.js';

export interface StartApiOptions {
  config: Config;
  logger: Logger;
  /** The ledger; its owner closes it (`pnpm start` shares one PGlite with the workers). */
  database: Database;
  /** SSE heartbeat and stream-token lifetime. @defaultValue DEFAULT_SSE_SETTINGS */
  sse?: Partial<SseSettings>;
  /** Models the API accepts. @defaultValue loadModelRegistry(config.models) */
  models?: ModelRegistry;
  /**
   * Refuse to start when Redis may evict jobs (warn when its policy cannot be read). `pnpm start`
   * turns it off: its worker, in the same process, has checked already. @defaultValue true
   */
  checkRedisEviction?: boolean;
  /**
   * The built web app served under `/`; nothing is served there when it has not been built.
   * @defaultValue apps/web/dist of this checkout
   */
  webRoot?: string;
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface RunningApi {
  /** Where the server listens, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Stops accepting connections, waits for open requests, closes queues and Redis. */
  close(): Promise<void>;
}

function closeServer(server: ServerType, graceMs = 1_000): Promise<void> {
  return new Promise((resolve, reject) => {
    // Open SSE streams would keep close() waiting forever: after a grace period for ordinary
    // requests, end every socket; stream clients resume elsewhere with Last-Event-ID.
    const timer = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, graceMs);
    server.close((error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}

/** Serves `fetch`; a taken API_PORT is a one-line start-up error naming it, not a stack trace. */
function listen(fetch: Parameters<typeof serve>[0]['fetch'], host: string, port: number) {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, () => {
      server.off('error', onError);
      resolve(server);
    });
    server.on('clientError', answerClientError);
    const onError = (error: NodeJS.ErrnoException) => {
      server.close();
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`API_PORT: ${host}:${port} is in use; choose a free port`, { cause: error })
          : error,
      );
    };
    server.once('error', onError);
  });
}

/**
 * Refuses to start when Redis may evict queued jobs, and warns loudly when its policy cannot be
 * read. A Redis that is down now is not fatal: the API answers 503 until it returns.
 */
async function checkEviction(redis: Redis, logger: Logger): Promise<void> {
  const verdict = await waitUntilReady(redis, 5_000)
    .then(async () => judgeEviction(await inspectRedis(redis)))
    .catch((error: unknown) => {
      logger.warn({ err: (error as Error).message }, 'redis not reachable at start-up');
      return undefined;
    });
  if (verdict !== undefined) enforceEviction(verdict, redis, (warning) => logger.warn(warning));
}

/** Builds the API's dependencies and serves it. */
export async function startApi({
  config,
  logger,
  database,
  sse,
  models: givenModels,
  checkRedisEviction = true,
  webRoot = DEFAULT_WEB_ROOT,
}: StartApiOptions): Promise<RunningApi> {
  const redis = createRedisConnection({
    ...config.redis,
    role: 'producer',
    name: 'aiq-api',
  });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  if (checkRedisEviction) await checkEviction(redis, logger);
  const queues = createQueues(redis, config.redis.prefix, config.retention);
  const models = givenModels ?? loadModelRegistry(config.models);
  // Whoever passes the registry in (`pnpm start`) has said this already.
  const asOf = givenModels === undefined ? modelsAsOfNotice(config.models) : undefined;
  if (asOf !== undefined) logger.warn(asOf);
  // The one pub/sub subscription of this process; it waits out Redis outages like a worker.
  const subscriber = createRedisConnection({
    ...config.redis,
    role: 'worker',
    name: 'aiq-api-events',
  });
  subscriber.on('error', (error) => logger.warn({ err: error.message }, 'redis subscriber error'));
  const fanOut = createTaskEventFanOut({ subscriber, prefix: config.redis.prefix, logger });
  const events = createTaskEventPublisher({ redis, prefix: config.redis.prefix });
  const app = createApp({
    config,
    logger,
    database,
    redis,
    queues,
    models,
    events,
    fanOut,
    sse: { ...DEFAULT_SSE_SETTINGS, ...sse },
    metrics: createApiMetrics({ redis, prefix: config.redis.prefix, queues, models, fanOut }),
    webRoot,
  });
  let server: ServerType;
  try {
    server = await listen(app.fetch, config.api.host, config.api.port);
  } catch (error) {
    await fanOut.close();
    await closeQueues(queues);
    redis.disconnect();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'api listening');
  return {
    url,
    async close() {
      await fanOut.close();
      await closeServer(server);
      await closeQueues(queues);
      redis.disconnect();
    },
  };
}
