import { fileURLToPath } from 'node:url';
import { readMigrationFiles, type MigrationConfig } from 'drizzle-orm/migrator';
import type { MigrationStatus, SqlParameter } from './database.js';

/** drizzle-kit's output, shipped with the package (`files` in package.json) beside src and dist. */
export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

/** Where drizzle records applied migrations; the defaults, spelled out for the status query. */
export const migrationConfig = {
  migrationsFolder,
  migrationsSchema: 'drizzle',
  migrationsTable: '__drizzle_migrations',
} as const satisfies MigrationConfig;

type Query = <Row>(text: string, parameters?: SqlParameter[]) => Promise<Row[]>;

/** Compares the applied migrations with the ones this build ships. */
export async function readMigrationStatus(query: Query): Promise<MigrationStatus> {
  const available = readMigrationFiles(migrationConfig).length;
  const [table] = await query<{ exists: string | null }>(
    `SELECT to_regclass('"drizzle"."__drizzle_migrations"')::text AS exists`,
  );
  if (!table?.exists) return { applied: 0, available, current: available === 0 };
  const [row] = await query<{ count: number | string }>(
    'SELECT COUNT(*)::int AS count FROM "drizzle"."__drizzle_migrations"',
  );
  const applied = Number(row?.count ?? 0);
  return { applied, available, current: applied >= available };
}
