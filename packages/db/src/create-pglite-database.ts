import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { Database, Db, SqlParameter } from './database.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { migrationConfig, readMigrationStatus } from './migrations.js';
import * as schema from './schema.js';

export interface PgliteDatabaseOptions {
  /** A directory for a durable database, or `memory://` for one that lives as long as the process. */
  dataDir: string;
}

/**
 * The ledger on embedded PGlite: real Postgres compiled to WebAssembly, running in this
 * process. One process owns a data directory at a time, so `pnpm start` runs the API and the
 * workers together in one process when no DATABASE_URL is set.
 */
export async function createPgliteDatabase({ dataDir }: PgliteDatabaseOptions): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const lock = inMemory ? undefined : await acquireDataDirLock(dataDir);
  let client: PGlite;
  try {
    client = await PGlite.create({ dataDir });
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const db = drizzle({ client, schema }) as unknown as Db;

  async function query<Row>(text: string, parameters: SqlParameter[] = []): Promise<Row[]> {
    const result = await client.query<Row>(text, parameters);
    return result.rows;
  }

  return {
    kind: 'pglite',
    db,
    query,
    // A single process owns the data directory, so no cross-process lock is needed here.
    migrate: () => migrate(drizzle({ client }), migrationConfig),
    migrationStatus: () => readMigrationStatus(query),
    listen: (channel, onNotify) => client.listen(channel, onNotify),
    async ping() {
      await client.query('SELECT 1');
    },
    async close() {
      await client.close();
      await lock?.release();
    },
  };
}
