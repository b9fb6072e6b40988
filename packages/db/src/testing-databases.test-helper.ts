import { createTestDatabase } from '@aiq/testing';
import type { Database } from './database.js';
import { createPgliteDatabase } from './create-pglite-database.js';
import { createPostgresDatabase } from './create-postgres-database.js';

/** Both drivers, so every db test runs against PGlite and PostgreSQL alike. */
export interface OpenedDatabase {
  readonly database: Database;
  dispose(this: void): Promise<void>;
}

export const drivers = [
  {
    kind: 'pglite' as const,
    async open(): Promise<OpenedDatabase> {
      const database = await createPgliteDatabase({ dataDir: 'memory://' });
      return { database, dispose: () => database.close() };
    },
  },
  {
    kind: 'postgres' as const,
    async open(): Promise<OpenedDatabase> {
      const testDatabase = await createTestDatabase();
      const database = createPostgresDatabase({ url: testDatabase.url, poolSize: 4 });
      return {
        database,
        async dispose() {
          await database.close();
          await testDatabase.drop();
        },
      };
    },
  },
];
