import { redactUrl, type Config } from '@aiq/config';
import { createDb, statusQueries, type Database } from '@aiq/db';
import { listEndOfLifeWarnings, loadModelRegistry } from '@aiq/providers';
import { createRedisConnection, inspectRedis, judgeEviction, waitUntilReady } from '@aiq/queue';
import type { RoutingState } from '@aiq/routing';
import type { Redis } from 'ioredis';
import { paint, type Output } from '../output.js';
import { reachProviders } from '../provider-reachability.js';
import { readFleetRouting, routingRows, type RoutingRow } from '@aiq/operations';
import { describeDisabled, describeNextProbe } from '../routing-view.js';

interface Finding {
  /** `warn` is worth knowing but does not fail the check. */
  ok: boolean | 'warn';
  line: string;
}

function describeCircuit(row: RoutingRow): string {
  const details = [row.circuit_reason, row.failures > 0 ? `${row.failures} failures` : null];
  const probe = describeNextProbe(row);
  if (probe !== '') details.push(`next probe ${probe}`);
  const shown = details.filter((detail) => detail !== null);
  return `circuit ${row.circuit}${shown.length > 0 ? ` (${shown.join(', ')})` : ''}`;
}

/**
 * One line per provider: its circuit and disabled flag, and how many of its models are routed
 * around. Worth a warning, not a failure: the fleet falls back by itself.
 */
function routingFindings(state: RoutingState): Finding[] {
  const rows = routingRows(state);
  return rows
    .filter((row) => row.kind === 'provider')
    .map((provider) => {
      const models = rows.filter((row) => row.kind === 'model' && row.provider === provider.target);
      const notClosed = models.filter((row) => row.circuit !== 'closed').length;
      const disabled = models.filter((row) => row.disabled !== null).length;
      const aside =
        notClosed + disabled === 0
          ? ''
          : `; models: ${notClosed} circuit(s) not closed, ${disabled} disabled (aiq provider list)`;
      const healthy = provider.circuit === 'closed' && provider.disabled === null;
      return {
        ok: (healthy && notClosed + disabled === 0) || 'warn',
        line: `${provider.target} routing: ${describeCircuit(provider)}, ${provider.disabled === null ? 'enabled' : `disabled ${describeDisabled(provider)}`}${aside}`,
      };
    });
}

async function checkRouting(redis: Redis, config: Config): Promise<Finding[]> {
  try {
    return routingFindings(await readFleetRouting(redis, config));
  } catch (error) {
    return [{ ok: false, line: `Routing state: ${(error as Error).message}` }];
  }
}

async function checkRedis(config: Config): Promise<Finding[]> {
  const redis = createRedisConnection({
    ...config.redis,
    role: 'producer',
    name: 'aiq-cli',
  });
  redis.on('error', () => undefined); // reported below
  try {
    await waitUntilReady(redis, 3_000);
    const health = await inspectRedis(redis);
    const eviction = judgeEviction(health);
    return [
      { ok: true, line: `Redis ${health.version} at ${redactUrl(config.redis.url)}` },
      eviction.kind === 'safe'
        ? { ok: true, line: 'Redis eviction policy: noeviction' }
        : eviction.kind === 'unknown'
          ? { ok: 'warn', line: eviction.warning }
          : { ok: false, line: eviction.error },
      {
        ok: health.appendOnly || 'warn',
        line: health.appendOnly
          ? 'Redis persistence: append-only file'
          : 'Redis persistence: no append-only file; queued jobs are lost on restart (the ledger reconciler re-enqueues them)',
      },
      ...(await checkRouting(redis, config)),
    ];
  } catch (error) {
    return [
      { ok: false, line: `Redis at ${redactUrl(config.redis.url)}: ${(error as Error).message}` },
    ];
  } finally {
    redis.disconnect();
  }
}

async function checkDatabase(config: Config): Promise<Finding[]> {
  const where =
    config.database.kind === 'postgres' ? redactUrl(config.database.url) : config.database.dataDir;
  try {
    const database = await createDb(config.database, { applicationName: 'aiq-cli' });
    try {
      await database.ping();
      const status = await database.migrationStatus();
      return [
        { ok: true, line: `${database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'} at ${where}` },
        {
          ok: status.current,
          line: status.current
            ? `Migrations: ${status.applied} of ${status.available} applied`
            : `Migrations: ${status.available - status.applied} pending; run \`pnpm db:migrate\``,
        },
        ...(status.current ? await checkModelsInUse(config, database) : []),
      ];
    } finally {
      await database.close();
    }
  } catch (error) {
    return [{ ok: false, line: `Database at ${where}: ${(error as Error).message}` }];
  }
}

/** The window whose ledger rows say which models are in use. */
const IN_USE_SECONDS = 7 * 86_400;

/**
 * Models the ledger saw in the last 7 days that are within 30 days of their end of life, or past
 * it, judged by the registry's clock (`MODELS_AS_OF` in rehearsals and tests).
 */
async function checkModelsInUse(config: Config, database: Database): Promise<Finding[]> {
  const registry = loadModelRegistry(config.models);
  const rows = await database.query<{ model: string }>(statusQueries.modelsInUse, [IN_USE_SECONDS]);
  const known = new Set(registry.list().map((model) => model.id));
  const inUse = rows.map((row) => row.model).filter((model) => known.has(model));
  const warnings = listEndOfLifeWarnings(registry, { models: inUse });
  if (warnings.length === 0) {
    return [{ ok: true, line: `Models in use (7 days): ${inUse.length}, none near end of life` }];
  }
  return warnings.map((warning) => ({ ok: 'warn', line: `In use: ${warning.message}` }));
}

/**
 * Each provider's key (its length, never the key) and, with a key, its models list fetched
 * through the configured base URL, with the round trip. Unreachable or refused: a failure.
 */
async function checkProviders(config: Config): Promise<Finding[]> {
  const reached = new Map(
    (await reachProviders(config)).map((result) => [result.provider, result]),
  );
  return Object.entries(config.providers).flatMap(([name, provider]) => {
    if (!provider.apiKey) {
      return [
        { ok: true, line: `${name}: no key; \`pnpm start\` serves it from the mock LLM server` },
      ];
    }
    const result = reached.get(name as keyof Config['providers']);
    const where = redactUrl(provider.baseUrl);
    return [
      { ok: true, line: `${name}: key set (length ${provider.apiKey.length}), ${where}` },
      result?.ok
        ? {
            ok: true,
            line: `${name} reachable: models list ${result.detail} in ${result.latencyMs} ms`,
          }
        : {
            ok: false,
            line: `${name} unreachable at ${where}: models list ${result?.detail ?? 'not tried'}${
              result?.latencyMs == null ? '' : ` in ${result.latencyMs} ms`
            }`,
          },
    ];
  });
}

/**
 * `aiq doctor [--json]`: checks Redis, the database and migrations, each provider's key and
 * reachability, routing, and the models in use near end of life. Exit 1 if anything is wrong.
 */
export async function doctor(
  config: Config,
  output: Output,
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  const findings = [
    ...(await checkRedis(config)),
    ...(await checkDatabase(config)),
    ...(await checkProviders(config)),
  ];
  const healthy = findings.every((finding) => finding.ok !== false);
  if (json) {
    const status = { true: 'ok', warn: 'warn', false: 'fail' } as const;
    output.write(
      JSON.stringify({
        ok: healthy,
        findings: findings.map((finding) => ({
          status: status[`${finding.ok}`],
          line: finding.line,
        })),
      }),
    );
    return healthy ? 0 : 1;
  }
  const colour = output.tty === true;
  const label = {
    true: paint('ok  ', 'green', colour),
    warn: paint('warn', 'yellow', colour),
    false: paint('FAIL', 'red', colour),
  } as const;
  for (const finding of findings) output.write(`${label[`${finding.ok}`]}  ${finding.line}`);
  return healthy ? 0 : 1;
}
