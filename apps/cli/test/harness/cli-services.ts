import { loadConfig, type Config } from '@aiq/config';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { loadModelRegistry, type ModelRegistry } from '@aiq/providers';
import { closeQueues, createQueues, type Queues } from '@aiq/queue';
import {
  connectTestRedis,
  createTestDatabase,
  deletePrefix,
  TEST_NOW,
  testServices,
  uniquePrefix,
} from '@aiq/testing';
import type { Redis } from 'ioredis';

/** The CLI's world for one test: its own database and BullMQ prefix on the shared servers. */
export interface CliServices {
  /** The environment `aiq` runs with, in this process or a child. */
  readonly env: Record<string, string>;
  readonly config: Config;
  readonly prefix: string;
  readonly redis: Redis;
  readonly database: Database;
  readonly queues: Queues;
  readonly registry: ModelRegistry;
  /** Drops the database and deletes the prefix's keys (never anything else on the servers). */
  close(): Promise<void>;
}

export async function openCliServices(label = 'cli'): Promise<CliServices> {
  const { redisUrl } = await testServices();
  const testDatabase = await createTestDatabase();
  const prefix = uniquePrefix(label);
  const env = {
    REDIS_URL: redisUrl,
    DATABASE_URL: testDatabase.url,
    QUEUE_PREFIX: prefix,
    MODELS_AS_OF: TEST_NOW,
  };
  const config = loadConfig(env);
  const database = createPostgresDatabase({ url: testDatabase.url, poolSize: 4 });
  await database.migrate();
  const redis = await connectTestRedis();
  const queues = createQueues(redis, prefix);
  return {
    env,
    config,
    prefix,
    redis,
    database,
    queues,
    registry: loadModelRegistry(config.models),
    async close() {
      await closeQueues(queues);
      await deletePrefix(redis, prefix);
      await redis.quit();
      await database.close();
      await testDatabase.drop();
    },
  };
}
