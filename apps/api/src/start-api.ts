import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import type { Logger } from '@aiq/logger';
import { loadModelRegistry } from '@aiq/providers';
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  evictionWarning,
  inspectRedis,
  waitUntilReady,
} from '@aiq/queue';
import type { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';

export interface StartApiOptions {
  config: Config;
  logger: Logger;
  /** The ledger; its owner closes it (`pnpm start` shares one PGlite with the workers). */
  database: Database;
}

export interface RunningApi {
  /** Where the server listens, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Stops accepting connections, waits for open requests, closes queues and Redis. */
  close(): Promise<void>;
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SSE streams would keep close() waiting forever: end idle keep-alive sockets now.
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}

/**
 * Warns loudly at start-up when Redis may evict queued jobs. A Redis that is down now is not
 * fatal: the API answers 503 until it returns.
 */
async function warnAboutEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    await waitUntilReady(redis, 5_000);
    const warning = evictionWarning(await inspectRedis(redis));
    if (warning) logger.warn(warning);
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'redis not reachable at start-up');
  }
}

/** Builds the API's dependencies and serves it. */
export async function startApi({ config, logger, database }: StartApiOptions): Promise<RunningApi> {
  const redis = createRedisConnection({ url: config.redis.url, role: 'producer', name: 'aiq-api' });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  await warnAboutEviction(redis, logger);
  const queues = createQueues(redis, config.redis.prefix);
  const models = loadModelRegistry(config.modelsFile);
  const app = createApp({ config, logger, database, redis, queues, models });
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve(
      { fetch: app.fetch, hostname: config.api.host, port: config.api.port },
      () => resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'api listening');
  return {
    url,
    async close() {
      await closeServer(server);
      await closeQueues(queues);
      redis.disconnect();
    },
  };
}
