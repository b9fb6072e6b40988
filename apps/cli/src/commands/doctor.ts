import { redactUrl, type Config } from '@aiq/config';
import { createDb } from '@aiq/db';
import { createRedisConnection, evictionWarning, inspectRedis, waitUntilReady } from '@aiq/queue';
import type { RoutingState } from '@aiq/routing';
import type { Redis } from 'ioredis';
import type { Output } from '../output.js';
import {
  describeDisabled,
  describeNextProbe,
  readFleetRouting,
  routingRows,
  type RoutingRow,
} from '../routing-view.js';

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
  const redis = createRedisConnection({ url: config.redis.url, role: 'producer', name: 'aiq-cli' });
  redis.on('error', () => undefined); // reported below
  try {
    await waitUntilReady(redis, 3_000);
    const health = await inspectRedis(redis);
    const warning = evictionWarning(health);
    return [
      { ok: true, line: `Redis ${health.version} at ${redactUrl(config.redis.url)}` },
      { ok: !warning, line: warning ?? 'Redis eviction policy: noeviction' },
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
      ];
    } finally {
      await database.close();
    }
  } catch (error) {
    return [{ ok: false, line: `Database at ${where}: ${(error as Error).message}` }];
  }
}

function checkProviders(config: Config): Finding[] {
  return Object.entries(config.providers).map(([name, provider]) => ({
    ok: true,
    line: provider.apiKey
      ? `${name}: key set (length ${provider.apiKey.length}), ${provider.baseUrl}`
      : `${name}: no key; \`pnpm start\` serves it from the mock LLM server`,
  }));
}

/** `aiq doctor`: checks Redis, the database and provider settings. Exit 1 if anything is wrong. */
export async function doctor(config: Config, output: Output): Promise<number> {
  const findings = [
    ...(await checkRedis(config)),
    ...(await checkDatabase(config)),
    ...checkProviders(config),
  ];
  const label = { true: 'ok  ', warn: 'warn', false: 'FAIL' } as const;
  for (const finding of findings) output.write(`${label[`${finding.ok}`]}  ${finding.line}`);
  return findings.every((finding) => finding.ok !== false) ? 0 : 1;
}
