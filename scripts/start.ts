/**
 * `pnpm start`: the whole system on its embedded defaults, in one command, for a first try.
 * Redis (started when missing and possible), the ledger (PGlite unless DATABASE_URL is set,
 * migrated), the mock LLM server for providers without a key, then the API and a worker in
 * this one process. Production runs `pnpm start:api` and `pnpm start:worker` as separate
 * processes instead. Ctrl-C stops everything.
 */
import { loadConfig, redactUrl, type Config, type ProviderName } from '@aiq/config';
import { BULL_BOARD_PATH, DOCS_PATH, startApi } from '@aiq/api';
import { ensureApiKey } from '@aiq/auth';
import { createDb } from '@aiq/db';
import { onShutdown, runMain } from '@aiq/lifecycle';
import { createLogger, type Logger } from '@aiq/logger';
import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import {
  listEndOfLifeWarnings,
  loadModelRegistry,
  modelsAsOfNotice,
  type ModelRegistry,
} from '@aiq/providers';
import { ensureWebBuild } from '@aiq/web/build';
import { shutdownDeadlineMs, startWorker } from '@aiq/worker';
import { loadDevelopmentKey, type DevelopmentKey } from './development-key.js';
import { ensureRedis, stopRedis } from './ensure-redis.js';

const MOCK_PORT = 4010;

/** Points every provider without a key at the mock server; keyed providers stay real. */
function withMockProviders(config: Config, mock: MockLlmServer): Config {
  const providers = { ...config.providers };
  for (const name of Object.keys(providers) as ProviderName[]) {
    if (providers[name].apiKey) continue;
    providers[name] = { ...providers[name], apiKey: 'mock-llm-key', baseUrl: mock.baseUrls[name] };
  }
  return { ...config, providers };
}

async function startMock(): Promise<MockLlmServer> {
  try {
    return await startMockLlm({ port: MOCK_PORT });
  } catch {
    return startMockLlm({ port: 0 }); // 4010 taken: any free port
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface Started {
  readonly apiUrl: string;
  readonly developmentKey: DevelopmentKey | undefined;
}

/** The mock LLM, the ledger, a worker and the API; each pushes its stop on `stops` once up. */
async function startEverything(
  givenConfig: Config,
  logger: Logger,
  models: ModelRegistry,
  stops: (() => Promise<unknown>)[],
): Promise<Started> {
  let config = givenConfig;
  const unkeyed = (Object.keys(config.providers) as ProviderName[]).filter(
    (name) => !config.providers[name].apiKey,
  );
  if (unkeyed.length > 0) {
    const mock = await startMock();
    stops.push(() => mock.close());
    config = withMockProviders(config, mock);
    print(`No API key for ${unkeyed.join(', ')}: using the mock LLM server at ${mock.url}`);
  }

  const database = await createDb(config.database, { applicationName: 'aiq' });
  stops.push(() => database.close());
  await database.migrate();
  const where =
    config.database.kind === 'postgres' ? redactUrl(config.database.url) : config.database.dataDir;
  print(
    `Ledger: ${database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'} at ${where}, migrations applied`,
  );

  // A first try needs a key: this checkout's own, random, kept under DATA_DIR. None in production.
  const developmentKey =
    config.env === 'production' ? undefined : await loadDevelopmentKey(config.dataDir);
  if (developmentKey)
    await ensureApiKey(database, { key: developmentKey.key, userId: 'dev', role: 'operator' });

  // The web app at `/`: built here when missing or older than its sources.
  if (await ensureWebBuild()) print('Built the web app (apps/web/dist)');

  const worker = await startWorker({ config, logger, database, registry: models });
  stops.push(() => worker.close());
  const api = await startApi({ config, logger, database, models, checkRedisEviction: false });
  stops.push(() => api.close());
  return { apiUrl: api.url, developmentKey };
}

function printBanner({ apiUrl, developmentKey }: Started): void {
  print('');
  print(`aiq is running.`);
  print(`  Web app     ${apiUrl}/`);
  print(`  API         ${apiUrl}/api/health`);
  print(`  Docs        ${apiUrl}${DOCS_PATH}`);
  print(`  Bull Board  ${apiUrl}${BULL_BOARD_PATH}`);
  if (developmentKey) {
    print(`  Dev API key ${developmentKey.key}  (operator; kept in ${developmentKey.file})`);
    print(
      `              Bull Board asks for it as the password; create real keys with \`pnpm aiq keys create --user <id>\``,
    );
    // The key in the fragment: it never reaches a server or a log. For local use only.
    print(`  Signed in   ${apiUrl}/#key=${developmentKey.key}`);
  }
  print(`Press Ctrl-C to stop.`);
}

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, { name: 'aiq', pretty: process.stdout.isTTY });

  // A bad MODELS_FILE stops start-up here, before anything is started.
  const models = loadModelRegistry(config.models);
  const asOf = modelsAsOfNotice(config.models);
  if (asOf !== undefined) print(asOf);
  for (const warning of listEndOfLifeWarnings(models)) print(`Warning: ${warning.message}`);

  // What has been started, stopped in reverse order on Ctrl-C/SIGTERM and on a failed start-up
  // alike: a start that fails must not leave the redis-server it launched running. Listening
  // from the start: a signal with no listener would end the process without stopping it.
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    let failure: Error | undefined;
    for (const stop of stops.splice(0).reverse()) {
      // The rest still stop, the redis-server last of all.
      await stop().catch((error: unknown) => (failure ??= toError(error)));
    }
    if (failure !== undefined) throw failure;
  };
  onShutdown(logger, stopAll, { timeoutMs: shutdownDeadlineMs(config.worker.shutdownGraceMs) });

  const redis = await ensureRedis(config.redis.url, config.dataDir);
  if (redis.kind === 'unavailable') throw new Error(redis.message);
  if (redis.kind === 'started') {
    stops.push(() => stopRedis(redis.process));
    print(`Started redis-server for you, data in ${redis.dataDir}`);
  }
  try {
    printBanner(await startEverything(config, logger, models, stops));
  } catch (error) {
    await stopAll();
    throw error;
  }
});
