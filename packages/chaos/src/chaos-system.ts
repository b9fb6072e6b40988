import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '@aiq/auth';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import {
  freePort,
  spawnNode,
  startOwnPostgres,
  startOwnRedisCluster,
  startOwnRedisServer,
  type OwnPostgres,
  type OwnRedisCluster,
  type OwnRedisServer,
  type SpawnedProcess,
} from '@aiq/testing';
import { Cluster, Redis } from 'ioredis';

// Spawned by path, as production runs them: the suite imports no app code.
const API_ENTRY = fileURLToPath(new URL('../../../apps/api/src/main.ts', import.meta.url));
const WORKER_ENTRY = fileURLToPath(new URL('../../../apps/worker/src/main.ts', import.meta.url));

/**
 * Short lock, stall and reconcile timers: a killed worker's jobs are taken over in about
 * three seconds, so each row runs in well under two minutes.
 */
const FAST_RECOVERY: Readonly<Record<string, string>> = {
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_MAX_STALLED_COUNT: '100',
  WORKER_SHUTDOWN_GRACE_MS: '5000',
  RECONCILE_INTERVAL_MS: '1000',
  RECONCILE_GRACE_MS: '1500',
};

/** A process of the system under test: the API (with its `url`) or a worker. */
export interface ChaosProcess extends SpawnedProcess {
  readonly role: 'api' | 'worker';
  readonly url: string;
}

export interface ChaosSystemOptions {
  /** `appendfsync` of the suite's own Redis (AOF on). @defaultValue 'always' (zero loss) */
  appendfsync?: 'always' | 'everysec';
  /** Extra `redis-server` arguments. */
  redisArgs?: string[];
  /** Settings for every aiq process, over the suite's own. */
  env?: Record<string, string>;
  /** Node's own flags for every aiq process (`--expose-gc`, …). */
  nodeArgs?: string[];
  /**
   * How long a process may take to start. A row that starts many at once on a busy machine
   * needs longer: loading the sources alone takes a process 15–20 s at a load average of 20.
   * @defaultValue 60 000 ms
   */
  startTimeoutMs?: number;
}

/** The suite's own Redis: one redis-server, or a Redis Cluster of them. */
export interface ChaosRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Everything a row runs against, owned by the suite: a redis-server (noeviction, AOF) and a
 * PostgreSQL of its own, the mock LLM, and API and worker processes started on demand.
 * It signals only processes it spawned.
 */
export interface ChaosSystem<R extends ChaosRedis = OwnRedisServer> {
  readonly redis: R;
  /** Starts every key the processes keep: `chaos`, or the hash tag `{chaos}` on a cluster. */
  readonly keyPrefix: string;
  /** A client of the suite's Redis, ready; the caller disconnects it. */
  connectRedis(): Promise<Redis | Cluster>;
  readonly postgres: OwnPostgres;
  readonly database: Database;
  readonly mock: MockLlmServer;
  /** The environment every aiq process gets. */
  readonly env: Record<string, string>;
  /** `Authorization` header of the load generator's key. */
  readonly headers: Record<string, string>;
  readonly processes: readonly ChaosProcess[];
  /** Starts an API on a free port, or on `port` (an API restarted where its clients know it). */
  startApi(env?: Record<string, string>, port?: number): Promise<ChaosProcess>;
  startWorker(env?: Record<string, string>): Promise<ChaosProcess>;
  /** Every live process's output so far, for a failing row's message. */
  output(): string;
  close(): Promise<void>;
}

const REDIS_ARGS = ['--appendonly', 'yes', '--maxmemory-policy', 'noeviction'];

export async function startChaosSystem({
  appendfsync = 'always',
  redisArgs = [],
  ...processOptions
}: ChaosSystemOptions = {}): Promise<ChaosSystem> {
  const redis = await startOwnRedisServer({
    args: [...REDIS_ARGS, '--appendfsync', appendfsync, ...redisArgs],
  });
  return startSystem(redis, { ...processOptions, cluster: false });
}

/**
 * The same system on a Redis Cluster of its own: three masters with a replica each, a master
 * silent for 2 s replaced by its replica. The processes run with `REDIS_CLUSTER=true`.
 */
export async function startClusterChaosSystem({
  appendfsync = 'always',
  redisArgs = [],
  env = {},
  ...processOptions
}: ChaosSystemOptions = {}): Promise<ChaosSystem<OwnRedisCluster>> {
  const redis = await startOwnRedisCluster({
    args: [...REDIS_ARGS, '--appendfsync', appendfsync, ...redisArgs],
  });
  return startSystem(redis, {
    ...processOptions,
    cluster: true,
    env: { REDIS_CLUSTER: 'true', ...env },
  });
}

/**
 * Resolves once `redis` is ready (a cluster client also knows its nodes then); a Redis that
 * is down fails it after `timeoutMs`, as a command would, and the client is closed.
 */
async function ready<C extends Redis | Cluster>(redis: C, timeoutMs = 5_000): Promise<C> {
  redis.on('error', () => undefined); // a down Redis is reported by the rejection below
  if (redis.status === 'ready') return redis;
  try {
    await new Promise((resolve, reject) => {
      redis.once('ready', resolve);
      setTimeout(() => reject(new Error('chaos Redis not ready')), timeoutMs).unref();
    });
    return redis;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

async function startSystem<R extends ChaosRedis>(
  redis: R,
  {
    cluster,
    env: overrides = {},
    nodeArgs = [],
    startTimeoutMs = 60_000,
  }: Pick<ChaosSystemOptions, 'env' | 'nodeArgs' | 'startTimeoutMs'> & { cluster: boolean },
): Promise<ChaosSystem<R>> {
  const postgres = await startOwnPostgres();
  const database = createPostgresDatabase({ url: postgres.url, poolSize: 4 });
  await database.migrate();
  const mock = await startMockLlm();
  const { key } = await createApiKey(database, { userId: 'chaos-load' });
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'chaos',
    DATABASE_URL: postgres.url,
    DATABASE_POOL_SIZE: '4',
    LOG_LEVEL: 'info',
    WORKER_METRICS_PORT: '0',
    OPENAI_API_KEY: 'sk-chaos',
    OPENAI_BASE_URL: mock.baseUrls.openai,
    ANTHROPIC_API_KEY: 'sk-ant-chaos',
    ANTHROPIC_BASE_URL: mock.baseUrls.anthropic,
    DEEPSEEK_API_KEY: 'sk-chaos',
    DEEPSEEK_BASE_URL: mock.baseUrls.deepseek,
    // Policy limits would refuse the load long before a fault matters.
    RATE_LIMIT_STANDARD_PER_MINUTE: '1000000',
    RATE_LIMIT_EXPENSIVE_PER_MINUTE: '1000000',
    // Every provider: Anthropic's default of 50 a minute held a row's last tasks past its
    // drain, waiting for the next minute (they looked lost; they were rate-limited).
    OPENAI_REQUESTS_PER_MINUTE: '1000000',
    ANTHROPIC_REQUESTS_PER_MINUTE: '1000000',
    DEEPSEEK_REQUESTS_PER_MINUTE: '1000000',
    SSE_MAX_STREAMS_PER_USER: '100000',
    SSE_OPENS_PER_MINUTE: '1000000',
    // Circuits stay closed unless a row is about them.
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    CIRCUIT_MIN_REQUESTS: '1000000',
    ...FAST_RECOVERY,
    ...overrides,
  };
  const processes: ChaosProcess[] = [];
  // Everything spawned, ready or not: one that never got ready must not outlive the row.
  const spawned: SpawnedProcess[] = [];
  const dataDirs: string[] = [];

  return {
    redis,
    keyPrefix: cluster ? '{chaos}' : 'chaos',
    async connectRedis() {
      const options = { maxRetriesPerRequest: 1 };
      if (!cluster) return ready(new Redis(redis.url, options));
      return ready(new Cluster([redis.url], { redisOptions: options }));
    },
    postgres,
    database,
    mock,
    env,
    headers: { authorization: `Bearer ${key}` },
    processes,
    async startApi(extra = {}, givenPort?: number) {
      const port = givenPort ?? (await freePort());
      const dataDir = `/tmp/aiq-chaos-api-${port}`;
      dataDirs.push(dataDir);
      const api = spawnNode(API_ENTRY, {
        env: { ...env, ...extra, API_PORT: String(port), DATA_DIR: dataDir },
        nodeArgs,
      });
      spawned.push(api);
      await api.waitForOutput(/api listening/, startTimeoutMs);
      const started = Object.assign(api, { role: 'api' as const, url: `http://127.0.0.1:${port}` });
      processes.push(started);
      return started;
    },
    async startWorker(extra = {}) {
      const worker = spawnNode(WORKER_ENTRY, { env: { ...env, ...extra }, nodeArgs });
      spawned.push(worker);
      const [, port] = await worker.waitForOutput(
        /"port":(\d+)[^\n]*"msg":"worker started"/,
        startTimeoutMs,
      );
      const started = Object.assign(worker, {
        role: 'worker' as const,
        url: `http://127.0.0.1:${port ?? ''}`,
      });
      processes.push(started);
      return started;
    },
    output: () =>
      processes
        .map((process) => `--- ${process.role}\n${process.stdout()}${process.stderr()}`)
        .join('\n'),
    async close() {
      await Promise.all(spawned.map((process) => process.stop('SIGKILL')));
      await mock.close();
      await database.close().catch(() => undefined);
      await postgres.destroy();
      await redis.stop();
      for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
    },
  };
}
