/**
 * The system the walkthrough runs: the API and a worker as separate processes, as production
 * runs them, on a database of their own (on the shared server) and a Redis prefix of their own,
 * with the mock LLM server standing in for OpenAI, Anthropic and DeepSeek.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '@aiq/auth';
import type { EnvVariableName } from '@aiq/config';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import {
  connectTestRedis,
  createTestDatabase,
  deletePrefix,
  freePort,
  testServices,
  uniquePrefix,
} from '@aiq/testing';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What makes the walkthrough take minutes instead of an hour: the runbook's timings shortened,
 * and per-user limits raised so a handful of users can send each burst. The README section lists
 * them beside their defaults.
 */
export const FAST_SETTINGS: Readonly<Partial<Record<EnvVariableName, string>>> = {
  GENERATE_TIMEOUT_MS: '5000',
  BACKGROUND_TIMEOUT_MS: '30000',
  RETRY_BASE_DELAY_MS: '200',
  RETRY_MAX_DELAY_MS: '1000',
  // At 10, only the outage's burst opens a circuit; the other scenarios' few failures stay
  // below it, so each shows its own failure rather than a circuit's.
  CIRCUIT_FAILURE_THRESHOLD: '10',
  CIRCUIT_RESET_MS: '15000',
  CIRCUIT_MAX_RESET_MS: '30000',
  RATE_LIMIT_STANDARD_PER_MINUTE: '100',
  RATE_LIMIT_EXPENSIVE_PER_MINUTE: '100',
  ANTHROPIC_REQUESTS_PER_MINUTE: '600',
  DEEPSEEK_REQUESTS_PER_MINUTE: '600',
};

/** One child process, its output kept for the log file. */
interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  output(): string;
}

function spawnEntry(entry: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=@aiq/source', '--import', 'tsx', entry], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { process: child, exited, output: () => output };
}

/** Resolves once `pattern` shows in the child's output; rejects if it exits or takes too long. */
async function waitForOutput(child: Child, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!pattern.test(child.output())) {
    if (exited || Date.now() > deadline) {
      throw new Error(`no ${pattern} from ${child.process.spawnfile}:\n${child.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill('SIGTERM');
  }
  await child.exited;
}

export interface Fleet {
  readonly apiUrl: string;
  readonly mock: MockLlmServer;
  readonly database: Database;
  /** The deployment's environment: every process, the operator's `aiq` included, has it. */
  readonly env: Readonly<Record<string, string>>;
  /** `AIQ_API_KEY` for the admin commands: an operator's key. */
  readonly operatorKey: string;
  /** `Authorization` headers of the users who send the traffic. */
  readonly users: readonly Record<string, string>[];
  /** Stops the worker and starts a new one with `overrides` over the deployment's env. */
  restartWorker(overrides?: Record<string, string>): Promise<void>;
  /** Everything the API and the workers logged, for when something goes wrong. */
  logs(): string;
  close(): Promise<void>;
}

const USERS = ['mara', 'tomas', 'ines', 'kofi', 'lena', 'ravi'];

/**
 * A directory holding an `aiq` executable that runs what `pnpm aiq` runs, so the operator's
 * command lines, pipes included, run exactly as shown.
 */
async function createAiqBin(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'aiq-walkthrough-bin-'));
  const entry = join(root, 'apps/cli/src/main.ts');
  const script = `#!/bin/sh\nexec "${process.execPath}" --conditions=@aiq/source --import tsx "${entry}" "$@"\n`;
  await writeFile(join(directory, 'aiq'), script);
  await chmod(join(directory, 'aiq'), 0o755);
  return directory;
}

/** Runs the cleanups last first, each even if an earlier one failed. */
async function runCleanups(cleanups: (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => failures.push(error));
  if (failures.length > 0) throw new AggregateError(failures, 'walkthrough cleanup failed');
}

/** The users' and the operator's API keys, made straight in the ledger as `aiq keys create` does. */
async function createKeys(database: Database) {
  const operatorKey = (await createApiKey(database, { userId: 'on-call', role: 'operator' })).key;
  const users = await Promise.all(
    USERS.map(async (userId) => ({
      authorization: `Bearer ${(await createApiKey(database, { userId })).key}`,
    })),
  );
  return { operatorKey, users };
}

/**
 * The mock LLM, a fresh migrated database and a Redis prefix of their own, then the API and one
 * worker. Whatever was started is removed again if a later step fails.
 */
export async function startFleet(): Promise<Fleet> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    return await startFleetSteps(cleanups);
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  }
}

async function startFleetSteps(cleanups: (() => Promise<unknown>)[]): Promise<Fleet> {
  const { redisUrl } = await testServices();
  const prefix = uniquePrefix('walkthrough');
  cleanups.push(async () => {
    const redis = await connectTestRedis();
    try {
      await deletePrefix(redis, prefix);
    } finally {
      await redis.quit();
    }
  });
  const mock = await startMockLlm();
  cleanups.push(() => mock.close());
  const testDatabase = await createTestDatabase();
  cleanups.push(() => testDatabase.drop());
  const database = createPostgresDatabase({ url: testDatabase.url, poolSize: 2 });
  cleanups.push(() => database.close());
  await database.migrate();
  const bin = await createAiqBin();
  cleanups.push(() => rm(bin, { recursive: true, force: true }));
  const { operatorKey, users } = await createKeys(database);
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env['PATH'] ?? ''}`,
    HOME: process.env['HOME'] ?? '',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    DATABASE_URL: testDatabase.url,
    DATABASE_POOL_SIZE: '4',
    OPENAI_API_KEY: 'sk-walkthrough-openai-key',
    OPENAI_BASE_URL: mock.baseUrls.openai,
    ANTHROPIC_API_KEY: 'sk-ant-walkthrough-anthropic-key',
    ANTHROPIC_BASE_URL: mock.baseUrls.anthropic,
    DEEPSEEK_API_KEY: 'sk-walkthrough-deepseek-key',
    DEEPSEEK_BASE_URL: mock.baseUrls.deepseek,
    AIQ_API_URL: apiUrl,
    AIQ_API_KEY: operatorKey,
    WORKER_METRICS_PORT: '0',
    ...FAST_SETTINGS,
  };
  const children: Child[] = [];
  // Stopped first of all: nothing may still write when the database and the keys go.
  cleanups.push(() => Promise.all(children.map(stopChild)));
  const api = spawnEntry('apps/api/src/main.ts', { ...env, API_PORT: String(port) });
  children.push(api);
  const startWorker = async (overrides: Record<string, string> = {}) => {
    const worker = spawnEntry('apps/worker/src/main.ts', { ...env, ...overrides });
    children.push(worker);
    await waitForOutput(worker, /"msg":"worker started"/);
  };
  await Promise.all([waitForOutput(api, /"msg":"api listening"/), startWorker()]);
  return {
    apiUrl,
    mock,
    database,
    env,
    operatorKey,
    users,
    async restartWorker(overrides) {
      const worker = children.at(-1);
      if (worker !== undefined && worker !== api) await stopChild(worker);
      await startWorker(overrides);
    },
    logs: () => children.map((child) => child.output()).join('\n'),
    close: () => runCleanups(cleanups),
  };
}
