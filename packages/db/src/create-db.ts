import type { DatabaseConfig } from '@aiq/config';
import type { Database } from './database.js';
import { createPgliteDatabase } from './create-pglite-database.js';
import { createPostgresDatabase } from './create-postgres-database.js';

export interface CreateDbOptions {
  /** Shown in `pg_stat_activity.application_name` on PostgreSQL. */
  applicationName?: string;
}

/** Opens the ledger: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise. */
export async function createDb(
  config: DatabaseConfig,
  { applicationName }: CreateDbOptions = {},
): Promise<Database> {
  if (config.kind === 'pglite') return createPgliteDatabase({ dataDir: config.dataDir });
  return createPostgresDatabase({
    url: config.url,
    poolSize: config.poolSize,
    ...(applicationName === undefined ? {} : { applicationName }),
  });
}
