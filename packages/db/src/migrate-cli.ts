import { ConfigError, loadConfig, redactUrl } from '@aiq/config';
import { createDb } from './create-db.js';

/** `pnpm db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded PGlite. */
async function main(): Promise<void> {
  const config = loadConfig();
  const target =
    config.database.kind === 'postgres' ? redactUrl(config.database.url) : config.database.dataDir;
  const database = await createDb(config.database, { applicationName: 'aiq-migrate' });
  try {
    const before = await database.migrationStatus();
    await database.migrate();
    const after = await database.migrationStatus();
    console.log(
      `Migrations: ${after.applied - before.applied} applied, ${after.applied} of ${after.available} in ${database.kind} at ${target}`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(ConfigError.isInstance(error) ? error.message : error);
  process.exit(1);
});
