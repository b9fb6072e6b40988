import { loadConfig, type Config } from '@aiq/config';
import { createPgliteDatabase, createPostgresDatabase, type Database } from '@aiq/db';
import { createTaskEventPublisher, type TaskEventPublisher } from '@aiq/events';
import { createModelRegistry, fixedClock } from '@aiq/providers';
import { closeQueues, createQueues } from '@aiq/queue';
import {
  connectTestRedis,
  createTestDatabase,
  deletePrefix,
  TEST_NOW,
  uniquePrefix,
} from '@aiq/testing';
import type { Redis } from 'ioredis';
import type { RetryDeps } from '../retry-task.js';

/** What a test of this package works with: the lifecycle's deps on real services. */
export interface TaskTestDeps extends RetryDeps {
  readonly redis: Redis;
  /** This file's own BullMQ prefix. */
  readonly prefix: string;
  readonly config: Pick<Config, 'timeouts' | 'retry' | 'tasks'>;
  readonly events: TaskEventPublisher;
  close(): Promise<void>;
}

/**
 * The shared test Redis under a prefix of its own, a migrated database (in-memory PGlite, or a
 * database of its own on the test PostgreSQL), the queues, a publisher and a registry as of
 * `TEST_NOW`.
 */
export async function openTaskTestDeps(
  name: string,
  { env = {}, postgres = false }: { env?: Record<string, string>; postgres?: boolean } = {},
): Promise<TaskTestDeps> {
  const prefix = uniquePrefix(name);
  const redis = await connectTestRedis();
  const testDatabase = postgres ? await createTestDatabase() : undefined;
  const database: Database =
    testDatabase === undefined
      ? await createPgliteDatabase({ dataDir: 'memory://' })
      : createPostgresDatabase({ url: testDatabase.url, poolSize: 2 });
  await database.migrate();
  const queues = createQueues(redis, prefix);
  return {
    redis,
    prefix,
    database,
    queues,
    registry: createModelRegistry({ clock: fixedClock(TEST_NOW) }),
    config: loadConfig(env),
    events: createTaskEventPublisher({ redis, prefix }),
    async close() {
      await closeQueues(queues);
      await deletePrefix(redis, prefix);
      await redis.quit();
      await database.close();
      await testDatabase?.drop();
    },
  };
}
