import { createApiKey } from '@aiq/auth';
import { loadConfig } from '@aiq/config';
import { createPgliteDatabase, type Database } from '@aiq/db';
import { createTaskEventPublisher } from '@aiq/events';
import { createLogger } from '@aiq/logger';
import { loadModelRegistry } from '@aiq/providers';
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  waitUntilReady,
  type Queues,
} from '@aiq/queue';
import { deletePrefix, TEST_NOW, testServices, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { DEFAULT_SSE_SETTINGS, type ApiDeps } from '../api-deps.js';
import { createApiMetrics } from '../api-metrics.js';
import { createApp, type App } from '../app.js';
import { createTaskEventFanOut, type TaskEventFanOut } from '../sse/task-event-fan-out.js';

/** An in-process API on the shared test Redis (own prefix) and an in-memory, migrated PGlite. */
export interface TestApi {
  readonly app: App;
  readonly deps: ApiDeps;
  readonly prefix: string;
  /** Authorization headers of a new key for `userId`. */
  keyFor(userId: string, role?: 'user' | 'operator'): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startTestApi(
  env: Record<string, string> = {},
  { database: givenDatabase }: { database?: Database } = {},
): Promise<TestApi> {
  const redisUrl = env['REDIS_URL'] ?? (await testServices()).redisUrl;
  const prefix = uniquePrefix('api');
  const config = loadConfig({
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    MODELS_AS_OF: TEST_NOW, // no model retires under a test; a test may set its own date
    ...env,
  });
  const logger = createLogger(config);
  const database: Database =
    givenDatabase ?? (await createPgliteDatabase({ dataDir: 'memory://' }));
  await database.migrate();
  const redis: Redis = await waitUntilReady(
    createRedisConnection({ url: redisUrl, role: 'producer' }),
  );
  const subscriber = createRedisConnection({ url: redisUrl, role: 'worker' });
  subscriber.on('error', () => undefined);
  const queues: Queues = createQueues(redis, prefix);
  const fanOut: TaskEventFanOut = createTaskEventFanOut({ subscriber, prefix, logger });
  await fanOut.ready();
  const models = loadModelRegistry(config.models);
  const deps: ApiDeps = {
    config,
    logger,
    database,
    redis,
    queues,
    models,
    events: createTaskEventPublisher({ redis, prefix }),
    fanOut,
    sse: { ...DEFAULT_SSE_SETTINGS, heartbeatMs: 200 },
    metrics: createApiMetrics({ redis, prefix, queues, models, fanOut }),
  };
  return {
    app: createApp(deps),
    deps,
    prefix,
    async keyFor(userId, role = 'user') {
      const { key } = await createApiKey(database, { userId, role });
      return { authorization: `Bearer ${key}` };
    },
    async close() {
      await fanOut.close();
      // After an outage test Redis is gone: nothing left to clean there.
      await closeQueues(queues).catch(() => undefined);
      await deletePrefix(redis, prefix).catch(() => 0);
      redis.disconnect();
      await database.close().catch(() => undefined); // after a Postgres outage test it is gone
    },
  };
}
