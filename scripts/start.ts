/**
 * `pnpm start`: the whole system on its embedded defaults, in one command, for a first try.
 * Redis (started when missing and possible), the ledger (PGlite unless DATABASE_URL is set,
 * migrated), the mock LLM server for providers without a key, then the API and a worker in
 * this one process. Production runs `pnpm start:api` and `pnpm start:worker` as separate
 * processes instead. Ctrl-C stops everything.
 */
import { loadConfig, redactUrl, type Config, type ProviderName } from '@aiq/config';
import { BULL_BOARD_PATH, DOCS_PATH, startApi } from '@aiq/api';
import { DEVELOPMENT_API_KEY, ensureApiKey } from '@aiq/auth';
import { createDb } from '@aiq/db';
import { onShutdown, runMain } from '@aiq/lifecycle';
import { createLogger } from '@aiq/logger';
import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import { listEndOfLifeWarnings, loadModelRegistry, modelsAsOfNotice } from '@aiq/providers';
import { shutdownDeadlineMs, startWorker } from '@aiq/worker';
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

runMain(async () => {
  let config = loadConfig();
  const logger = createLogger(config, { name: 'aiq', pretty: process.stdout.isTTY });
  const print = (line: string) => process.stdout.write(`${line}\n`);

  // A bad MODELS_FILE stops start-up here, before anything is started.
  const models = loadModelRegistry(config.models);
  const asOf = modelsAsOfNotice(config.models);
  if (asOf !== undefined) print(asOf);
  for (const warning of listEndOfLifeWarnings(models)) print(`Warning: ${warning.message}`);

  const redis = await ensureRedis(config.redis.url, config.dataDir);
  if (redis.kind === 'unavailable') {
    process.stderr.write(`aiq: ${redis.message}\n`);
    process.exit(1);
  }
  if (redis.kind === 'started') print(`Started redis-server for you, data in ${redis.dataDir}`);

  const unkeyed = (Object.keys(config.providers) as ProviderName[]).filter(
    (name) => !config.providers[name].apiKey,
  );
  let mock: MockLlmServer | undefined;
  if (unkeyed.length > 0) {
    mock = await startMock();
    config = withMockProviders(config, mock);
    print(`No API key for ${unkeyed.join(', ')}: using the mock LLM server at ${mock.url}`);
  }

  const database = await createDb(config.database, { applicationName: 'aiq' });
  await database.migrate();
  const where =
    config.database.kind === 'postgres' ? redactUrl(config.database.url) : config.database.dataDir;
  print(
    `Ledger: ${database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'} at ${where}, migrations applied`,
  );

  // A first try needs a key; this one is public, so the API refuses it in production.
  const developmentKey = config.env === 'production' ? undefined : DEVELOPMENT_API_KEY;
  if (developmentKey)
    await ensureApiKey(database, { key: developmentKey, userId: 'dev', role: 'operator' });

  const worker = await startWorker({ config, logger, database, registry: models });
  const api = await startApi({ config, logger, database, models, checkRedisEviction: false });
  // Before the banner: whoever reads "Press Ctrl-C" may press it at once, and a SIGINT with no
  // listener yet would kill the process without stopping the Redis it started.
  onShutdown(
    logger,
    async () => {
      await api.close();
      await worker.close();
      await database.close();
      await mock?.close();
      if (redis.kind === 'started') await stopRedis(redis.process);
    },
    { timeoutMs: shutdownDeadlineMs(config.worker.shutdownGraceMs) },
  );
  print('');
  print(`aiq is running.`);
  print(`  API         ${api.url}/api/health`);
  print(`  Docs        ${api.url}${DOCS_PATH}`);
  print(`  Bull Board  ${api.url}${BULL_BOARD_PATH}`);
  if (developmentKey) {
    print(`  Dev API key ${developmentKey}  (operator; refused when NODE_ENV=production)`);
    print(
      `              Bull Board asks for it as the password; create real keys with \`pnpm aiq keys create --user <id>\``,
    );
  }
  print(`Press Ctrl-C to stop.`);
});
