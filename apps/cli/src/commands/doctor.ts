import { redactUrl, type Config } from '@aiq/config';
import { createDb } from '@aiq/db';
import { createRedisConnection, evictionWarning, inspectRedis, waitUntilReady } from '@aiq/queue';
import type { Output } from '../output.js';

interface Finding {
  /** `warn` is worth knowing but does not fail the check. */
  ok: boolean | 'warn';
  line: string;
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
