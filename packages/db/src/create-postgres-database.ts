import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Database, Db, SqlParameter } from './database.js';
import { migrationConfig, readMigrationStatus } from './migrations.js';
import * as schema from './schema.js';

/** Any constant works; it only has to be the same in every aiq process. */
const MIGRATION_LOCK_KEY = 0x616971; // "aiq"

export interface PostgresDatabaseOptions {
  url: string;
  poolSize: number;
  /** Shown in `pg_stat_activity.application_name` (`aiq-api`, `aiq-worker`, …). */
  applicationName?: string;
  /** Fail a connection attempt after this long instead of waiting on an unreachable server. */
  connectTimeoutSeconds?: number;
}

/** The ledger on a PostgreSQL server, through postgres-js. */
export function createPostgresDatabase({
  url,
  poolSize,
  applicationName = 'aiq',
  connectTimeoutSeconds = 5,
}: PostgresDatabaseOptions): Database {
  const client = postgres(url, {
    max: poolSize,
    connect_timeout: connectTimeoutSeconds,
    // postgres-js waits 3^n / 100 s before reconnecting after n failures, up to 20 s: a Postgres
    // back from an outage would go unused that long, with queries queued behind the wait.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1),
    onnotice: () => undefined, // "relation already exists, skipping" is not news
    // UTC whatever the server's default: the runbook's `DATE_TRUNC('hour', …)` buckets and
    // `INTERVAL '1 day'` windows then mean the same on every server and on DST days (PGlite is
    // always UTC).
    connection: { application_name: applicationName, TimeZone: 'UTC' },
  });
  const db = drizzle({ client, schema }) as unknown as Db;

  async function query<Row>(text: string, parameters: SqlParameter[] = []): Promise<Row[]> {
    const rows = await client.unsafe(text, parameters as postgres.ParameterOrJSON<never>[]);
    return rows as unknown as Row[];
  }

  return {
    kind: 'postgres',
    db,
    query,
    async migrate() {
      // One migrator at a time across the fleet: api, worker and `pnpm db:migrate` may start
      // together. The lock is held by a connection of its own, so even a pool of one can migrate.
      const lockClient = postgres(url, {
        max: 1,
        connect_timeout: connectTimeoutSeconds,
        onnotice: () => undefined,
      });
      try {
        await lockClient`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migrate(drizzle({ client }), migrationConfig);
      } finally {
        await lockClient.end({ timeout: 5 }); // ending the session releases the lock
      }
    },
    migrationStatus: () => readMigrationStatus(query),
    async listen(channel, onNotify) {
      const subscription = await client.listen(channel, onNotify);
      return () => subscription.unlisten();
    },
    async ping() {
      await client`SELECT 1`;
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}
