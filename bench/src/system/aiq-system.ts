import { createApiKey } from '@aiq/auth';
import { createPostgresDatabase, type Database } from '@aiq/db';
import {
  createTestDatabase,
  deletePrefix,
  freePort,
  testServices,
  uniquePrefix,
  type TestDatabase,
} from '@aiq/testing';
import { Redis } from 'ioredis';
import { entryPoint, MEMORY_PROBE_OPTIONS, startNode, type NodeProcess } from './node-process.js';

const API_ENTRY = 'apps/api/src/main.ts';
const WORKER_ENTRY = 'apps/worker/src/main.ts';
const MOCK_ENTRY = 'packages/mock-llm/src/bin/mock-llm.ts';

/**
 * What aiq runs with beyond its defaults. Only limits that are policy, not capacity: the
 * per-user and per-provider request limits (10 and 500 a minute by default) would refuse the
 * load long before aiq runs out of CPU. Concurrency, pools, retention and logging (LOG_LEVEL
 * info: one line per request and per task, as production logs) stay at their defaults.
 */
export const AIQ_SETTINGS: Readonly<Record<string, string>> = {
  RATE_LIMIT_STANDARD_PER_MINUTE: '1000000',
  RATE_LIMIT_EXPENSIVE_PER_MINUTE: '1000000',
  OPENAI_REQUESTS_PER_MINUTE: '1000000',
  SSE_MAX_STREAMS_PER_USER: '100000',
  SSE_OPENS_PER_MINUTE: '1000000',
};

/** A running aiq process: the API (its `url`) or a worker. */
export interface AiqProcess extends NodeProcess {
  readonly url: string;
}

/**
 * The shared ground of a run: Redis under a prefix of its own, a Postgres database of its own
 * (migrated), the mock LLM server in its own process, and the API and worker on demand.
 */
export interface AiqSystem {
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly database: Database;
  readonly databaseUrl: string;
  /** The mock's root URL and its OpenAI base URL (`…/openai/v1`). */
  readonly mockUrl: string;
  readonly mockOpenAiUrl: string;
  /** Empties the mock's request log (it keeps every request) between rounds. */
  clearMockLog(): Promise<void>;
  startApi(): Promise<AiqProcess>;
  /** A worker process; `settings` override its environment (`WORKER_CONCURRENCY`, …). */
  startWorker(settings?: Record<string, string>): Promise<AiqProcess>;
  /** A new API key of `userId`, for the `Authorization: Bearer` header. */
  keyFor(userId: string): Promise<string>;
  /** Stops every process it started, deletes the prefix's keys and drops the database. */
  close(): Promise<void>;
}

async function startMock(): Promise<{ process: NodeProcess; url: string }> {
  const process = await startNode(entryPoint(MOCK_ENTRY), {
    args: ['--port', '0'],
    readyPattern: /mock-llm listening on (http:\/\/\S+)/,
  });
  return { process, url: process.ready[1] ?? '' };
}

function aiqEnvironment(system: {
  redisUrl: string;
  prefix: string;
  databaseUrl: string;
  mockUrl: string;
}): Record<string, string> {
  return {
    REDIS_URL: system.redisUrl,
    QUEUE_PREFIX: system.prefix,
    DATABASE_URL: system.databaseUrl,
    LOG_LEVEL: 'info',
    WORKER_METRICS_PORT: '0',
    // Every provider on the mock: the bench never reaches a real one.
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `${system.mockUrl}/openai/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-bench',
    ANTHROPIC_BASE_URL: `${system.mockUrl}/anthropic`,
    DEEPSEEK_API_KEY: 'sk-bench',
    DEEPSEEK_BASE_URL: `${system.mockUrl}/deepseek`,
    ...AIQ_SETTINGS,
  };
}

/** Sets up the ground of a run; `close()` takes it all down again. */
export async function startAiqSystem(): Promise<AiqSystem> {
  const { redisUrl } = await testServices();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = uniquePrefix('bench');
  const testDatabase: TestDatabase = await createTestDatabase();
  const database = createPostgresDatabase({ url: testDatabase.url, poolSize: 4 });
  const processes: NodeProcess[] = [];
  const close = async () => {
    await Promise.all(processes.map((process) => process.stop()));
    await deletePrefix(redis, prefix);
    await redis.quit();
    await database.close();
    await testDatabase.drop();
  };
  try {
    await database.migrate();
    const mock = await startMock();
    processes.push(mock.process);
    const env = aiqEnvironment({
      redisUrl,
      prefix,
      databaseUrl: testDatabase.url,
      mockUrl: mock.url,
    });
    return {
      redis,
      redisUrl,
      prefix,
      database,
      databaseUrl: testDatabase.url,
      mockUrl: mock.url,
      mockOpenAiUrl: `${mock.url}/openai/v1`,
      async clearMockLog() {
        const response = await fetch(`${mock.url}/_mock/requests`, { method: 'DELETE' });
        if (!response.ok) throw new Error(`mock-llm: DELETE /_mock/requests ${response.status}`);
      },
      async startApi() {
        const port = await freePort();
        const api = await startNode(entryPoint(API_ENTRY), {
          // The probe lets B4 read the API's memory after a full GC; idle until signalled.
          env: { ...env, API_PORT: String(port), NODE_OPTIONS: MEMORY_PROBE_OPTIONS },
          readyPattern: /api listening/,
        });
        processes.push(api);
        return { ...api, url: `http://127.0.0.1:${port}` };
      },
      async startWorker(settings = {}) {
        const worker = await startNode(entryPoint(WORKER_ENTRY), {
          env: { ...env, ...settings },
          readyPattern: /"port":(\d+)[^\n]*"msg":"worker started"/,
        });
        processes.push(worker);
        return { ...worker, url: `http://127.0.0.1:${worker.ready[1] ?? ''}` };
      },
      async keyFor(userId) {
        return (await createApiKey(database, { userId })).key;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
