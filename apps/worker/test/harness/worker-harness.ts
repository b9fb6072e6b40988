import { loadConfig, type Config } from '@aiq/config';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { createTaskEventPublisher } from '@aiq/events';
import { createLogger } from '@aiq/logger';
import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import { loadModelRegistry } from '@aiq/providers';
import { closeQueues, createQueues, type Queues } from '@aiq/queue';
import { cancelTask, submitTask, type Submission, type SubmittedTask } from '@aiq/tasks';
import {
  connectTestRedis,
  createTestDatabase,
  deletePrefix,
  TEST_NOW,
  testServices,
  uniquePrefix,
  type TestDatabase,
} from '@aiq/testing';
import type { Redis } from 'ioredis';
import { startWorker, type RunningWorker } from '../../src/start-worker.js';
import type { WorkerSettings } from '../../src/worker-settings.js';
import { collectTaskEvents, type TaskEventCollector } from './task-event-collector.js';

/** Environment for a worker against the mock LLM: fast retries, no provider rate limit. */
export function testEnvironment(
  mock: MockLlmServer,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    WORKER_METRICS_PORT: '0',
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: mock.baseUrls.openai,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: mock.baseUrls.anthropic,
    DEEPSEEK_API_KEY: 'sk-test',
    DEEPSEEK_BASE_URL: mock.baseUrls.deepseek,
    OPENAI_REQUESTS_PER_MINUTE: '1000000',
    ANTHROPIC_REQUESTS_PER_MINUTE: '1000000',
    DEEPSEEK_REQUESTS_PER_MINUTE: '1000000',
    RETRY_BASE_DELAY_MS: '20',
    RETRY_MAX_DELAY_MS: '100',
    MODELS_AS_OF: TEST_NOW, // no model retires under a test; a test may set its own date
    // Fault tests of other features inject failures on purpose: circuits stay closed unless a
    // test sets its own CIRCUIT_* (routing tests do).
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    CIRCUIT_MIN_REQUESTS: '1000000',
    ...overrides,
  };
}

/** A worker in this process on the shared Redis (own prefix) and its own Postgres database. */
export interface WorkerHarness {
  readonly config: Config;
  readonly mock: MockLlmServer;
  readonly database: Database;
  readonly redis: Redis;
  readonly queues: Queues;
  readonly events: TaskEventCollector;
  readonly worker: RunningWorker;
  submit(submission: Submission): Promise<SubmittedTask>;
  cancel(taskId: string): Promise<{ cancelled: boolean }>;
  task(taskId: string): Promise<Record<string, unknown> | undefined>;
  attempts(taskId: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function startWorkerHarness({
  env = {},
  settings = {},
}: {
  env?: Record<string, string>;
  settings?: Partial<WorkerSettings>;
} = {}): Promise<WorkerHarness> {
  const mock = await startMockLlm();
  const prefix = uniquePrefix('worker');
  const testDatabase: TestDatabase = await createTestDatabase();
  const redis = await connectTestRedis();
  const config = loadConfig({
    ...testEnvironment(mock, env),
    REDIS_URL: (await testServices()).redisUrl,
    QUEUE_PREFIX: prefix,
    DATABASE_URL: testDatabase.url,
  });
  const database = createPostgresDatabase({ url: testDatabase.url, poolSize: 4 });
  await database.migrate();
  const events = await collectTaskEvents(await connectTestRedis(), prefix);
  const worker = await startWorker({
    config,
    logger: createLogger(config),
    database,
    settings: { reconcileIntervalMs: 3_600_000, ...settings },
  });
  const queues = createQueues(redis, prefix);
  const registry = loadModelRegistry(config.models); // the worker's models, date and policy
  const publisher = createTaskEventPublisher({ redis, prefix });
  return {
    config,
    mock,
    database,
    redis,
    queues,
    events,
    worker,
    submit: (submission) =>
      submitTask({ database, queues, registry, config, events: publisher }, submission),
    cancel: (taskId) => cancelTask({ database, queues, redis, prefix, events: publisher }, taskId),
    async task(taskId) {
      const rows = await database.query('SELECT * FROM background_tasks WHERE id = $1', [taskId]);
      return rows[0];
    },
    attempts: (taskId) =>
      database.query('SELECT * FROM ai_requests WHERE task_id = $1 ORDER BY created_at, attempt', [
        taskId,
      ]),
    async close() {
      await worker.close();
      await events.close();
      await closeQueues(queues);
      await deletePrefix(redis, prefix);
      await redis.quit();
      await database.close();
      await testDatabase.drop();
      await mock.close();
    },
  };
}

/** A one-message chat generation. */
export function generation(
  model: string,
  content = 'Write a haiku about queues.',
  extra: Partial<Submission> = {},
): Submission {
  return {
    kind: 'generation',
    userId: 'user-1',
    model,
    messages: [{ role: 'user', content }],
    fallback: false,
    ...extra,
  } as Submission;
}

/** An `ai_background_generation` task: one long generation under the background deadline. */
export function backgroundGeneration(model: string, content: string): Submission {
  return {
    kind: 'background',
    userId: 'user-1',
    type: 'ai_background_generation',
    input: { model, messages: [{ role: 'user', content }] },
  };
}
