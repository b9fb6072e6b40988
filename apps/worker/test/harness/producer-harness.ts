import { loadConfig, type Config } from '@aiq/config';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { createTaskEventPublisher } from '@aiq/events';
import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import { loadModelRegistry } from '@aiq/providers';
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  waitUntilReady,
  type Queues,
} from '@aiq/queue';
import {
  cancelTask,
  submitTask,
  type CancelResult,
  type Submission,
  type SubmittedTask,
} from '@aiq/tasks';
import { uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { collectTaskEvents, type TaskEventCollector } from './task-event-collector.js';
import { testEnvironment } from './worker-harness.js';

/**
 * The test process's side of a multi-process test: the mock LLM, a producer (submit) and an
 * event collector. The workers run as child processes with `env`.
 */
export interface ProducerHarness {
  readonly config: Config;
  readonly mock: MockLlmServer;
  readonly database: Database;
  readonly redis: Redis;
  readonly queues: Queues;
  readonly events: TaskEventCollector;
  /** Environment for worker processes: the same Redis, prefix, database and mock. */
  readonly env: Record<string, string>;
  submit(submission: Submission): Promise<SubmittedTask>;
  /** Cancels a task as the API's DELETE does. */
  cancel(taskId: string): Promise<CancelResult>;
  close(): Promise<void>;
}

export async function startProducerHarness({
  redisUrl,
  databaseUrl,
  env = {},
}: {
  redisUrl: string;
  databaseUrl: string;
  env?: Record<string, string>;
}): Promise<ProducerHarness> {
  const mock = await startMockLlm();
  const prefix = uniquePrefix('fleet');
  const workerEnv = {
    ...testEnvironment(mock, env),
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
  };
  const config = loadConfig(workerEnv);
  const database = createPostgresDatabase({
    url: databaseUrl,
    poolSize: 4,
    connectTimeoutSeconds: 2,
  });
  await database.migrate();
  const redis = await waitUntilReady(createRedisConnection({ url: redisUrl, role: 'worker' }));
  const events = await collectTaskEvents(redis.duplicate(), prefix);
  const queues = createQueues(redis, prefix);
  const registry = loadModelRegistry(config.models);
  const publisher = createTaskEventPublisher({ redis, prefix });
  return {
    config,
    mock,
    database,
    redis,
    queues,
    events,
    env: workerEnv,
    submit: (submission) =>
      submitTask({ database, queues, registry, config, events: publisher }, submission),
    cancel: (taskId) => cancelTask({ database, queues, redis, prefix, events: publisher }, taskId),
    async close() {
      await events.close().catch(() => undefined);
      await closeQueues(queues).catch(() => undefined);
      redis.disconnect();
      await database.close();
      await mock.close();
    },
  };
}
