import { fileURLToPath } from 'node:url';
import { createApiKey } from '@aiq/auth';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import OpenAI from 'openai';
import {
  createTestDatabase,
  freePort,
  spawnNode,
  testServices,
  uniquePrefix,
  type SpawnedProcess,
  type TestDatabase,
} from '@aiq/testing';

const apiEntry = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
// Spawned by path, never imported: the API does not depend on worker code (R1).
const workerEntry = fileURLToPath(new URL('../../../worker/src/main.ts', import.meta.url));

/** Real processes: `apis.length` API servers and `workerCount` workers, on one Redis prefix and database. */
export interface ApiCluster {
  /** Base URLs of the API processes, e.g. `http://127.0.0.1:41234`. */
  readonly apis: readonly string[];
  /** Base URLs of the workers' health and metrics endpoints (`/health`, `/metrics`). */
  readonly workerHealthUrls: readonly string[];
  readonly mock: MockLlmServer;
  readonly database: Database;
  /** Where the processes keep their queues: `REDIS_URL` and `QUEUE_PREFIX`. */
  readonly redisUrl: string;
  readonly prefix: string;
  /** The processes' `DATABASE_URL`, for a CLI run against the same fleet. */
  readonly databaseUrl: string;
  /** Everything every process has written to stdout and stderr so far: their logs. */
  output(): string;
  /** Authorization headers of a new key for `userId`. */
  keyFor(userId: string, role?: 'user' | 'operator'): Promise<Record<string, string>>;
  /** The official openai SDK on the first API's `/v1`, with the key of `headers` (no retries unless asked). */
  openai(headers: Record<string, string>, options?: { maxRetries?: number }): OpenAI;
  close(): Promise<void>;
}

export async function startApiCluster({
  apiCount = 1,
  workerCount = 1,
  env: overrides = {},
}: {
  apiCount?: number;
  /** Worker processes sharing the queues. @defaultValue 1 */
  workerCount?: number;
  /** Settings for every process, over the cluster's own. */
  env?: Record<string, string>;
} = {}): Promise<ApiCluster> {
  const { redisUrl } = await testServices();
  const mock = await startMockLlm();
  const testDatabase: TestDatabase = await createTestDatabase();
  const database = createPostgresDatabase({ url: testDatabase.url, poolSize: 2 });
  await database.migrate();
  const env = {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: uniquePrefix('api-cluster'),
    DATABASE_URL: testDatabase.url,
    DATABASE_POOL_SIZE: '4',
    LOG_LEVEL: 'info',
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: mock.baseUrls.openai,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: mock.baseUrls.anthropic,
    DEEPSEEK_API_KEY: 'sk-test',
    DEEPSEEK_BASE_URL: mock.baseUrls.deepseek,
    OPENAI_REQUESTS_PER_MINUTE: '1000000',
    RATE_LIMIT_STANDARD_PER_MINUTE: '1000',
    WORKER_METRICS_PORT: '0',
    // Circuits stay closed under fault tests of other features unless a test sets CIRCUIT_*.
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    CIRCUIT_MIN_REQUESTS: '1000000',
    ...overrides,
  };
  const processes: SpawnedProcess[] = [];
  const apis: string[] = [];
  const starting = Array.from({ length: apiCount }, async () => {
    const port = await freePort();
    const api = spawnNode(apiEntry, { env: { ...env, API_PORT: String(port) } });
    processes.push(api);
    await api.waitForOutput(/api listening/);
    apis.push(`http://127.0.0.1:${port}`);
  });
  const workers = Array.from({ length: workerCount }, () => spawnNode(workerEntry, { env }));
  processes.push(...workers);
  const workerHealthUrls: string[] = [];
  try {
    await Promise.all([
      ...starting,
      ...workers.map(async (worker) => {
        // WORKER_METRICS_PORT=0: the port it picked is in its `worker started` line.
        const [, port] = await worker.waitForOutput(/"port":(\d+)[^\n]*"msg":"worker started"/);
        workerHealthUrls.push(`http://127.0.0.1:${port ?? ''}`);
      }),
    ]);
  } catch (error) {
    // A process that never came up: the ones that did must not outlive the failed start.
    await Promise.allSettled(starting);
    await Promise.all(processes.map((process) => process.stop('SIGKILL')));
    await database.close();
    await testDatabase.drop();
    await mock.close();
    throw error;
  }
  return {
    apis,
    workerHealthUrls,
    mock,
    database,
    redisUrl,
    prefix: env.QUEUE_PREFIX,
    databaseUrl: testDatabase.url,
    output: () => processes.map((process) => process.stdout() + process.stderr()).join(''),
    async keyFor(userId, role = 'user') {
      const { key } = await createApiKey(database, { userId, role });
      return { authorization: `Bearer ${key}` };
    },
    openai: (headers, { maxRetries = 0 } = {}) =>
      new OpenAI({
        apiKey: (headers['authorization'] ?? '').replace('Bearer ', ''),
        baseURL: `${apis[0] ?? ''}/v1`,
        maxRetries,
      }),
    async close() {
      await Promise.all(processes.map((process) => process.stop('SIGTERM')));
      await database.close();
      await testDatabase.drop();
      await mock.close();
    },
  };
}
