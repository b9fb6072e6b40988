import type { Config } from '@aiq/config';
import type { Database } from '@aiq/db';
import type { Logger } from '@aiq/logger';
import { createRedisConnection, evictionWarning, inspectRedis, waitUntilReady } from '@aiq/queue';
import { startHealthServer } from './health-server.js';

export interface StartWorkerOptions {
  config: Config;
  logger: Logger;
  /** The ledger; its owner closes it (`pnpm start` shares one PGlite with the API). */
  database: Database;
}

export interface RunningWorker {
  /** Port of the health endpoint. */
  readonly healthPort: number;
  close(): Promise<void>;
}

/**
 * Starts one worker process's machinery: a worker-role Redis connection (it waits out outages),
 * the Redis safety check and the health endpoint.
 */
export async function startWorker({ config, logger }: StartWorkerOptions): Promise<RunningWorker> {
  const redis = createRedisConnection({
    url: config.redis.url,
    role: 'worker',
    name: 'aiq-worker',
  });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  await waitUntilReady(redis, 30_000);
  const health = await inspectRedis(redis);
  const warning = evictionWarning(health);
  if (warning) logger.warn({ maxmemoryPolicy: health.maxmemoryPolicy }, warning);
  logger.info({ redisVersion: health.version, appendOnly: health.appendOnly }, 'redis ready');

  const server = await startHealthServer({
    host: config.api.host,
    port: config.worker.metricsPort,
    isHealthy: () => redis.status === 'ready',
  });
  logger.info({ port: server.port, concurrency: config.worker.concurrency }, 'worker started');
  return {
    healthPort: server.port,
    async close() {
      await server.close();
      // QUIT would wait forever for a Redis that is down (worker connections never give up).
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    },
  };
}
