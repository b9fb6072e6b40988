import { startOwnPostgres } from '@aiq/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../src/create-postgres-database.js';

// postgres-js 3.4.9 answers a query that fails inside `begin()` with its own ROLLBACK. When the
// failure is the connection closing, that ROLLBACK goes to the closed connection, whose write
// runs in a setImmediate against a null socket: an uncaught TypeError that ends the process
// (porsager/postgres#1208). The ledger writes every batch in a transaction, so a Postgres
// outage that cut one short killed the worker. patches/postgres@3.4.9.patch rejects the write.
describe('postgres-js connection loss', () => {
  it('should reject a transaction whose server stops mid-query, and work once it is back', async () => {
    const server = await startOwnPostgres();
    const database = createPostgresDatabase({ url: server.url, poolSize: 4 });
    try {
      await database.ping();
      const cutShort = database.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_sleep(5)`);
      });
      const outcome = cutShort.then(
        () => 'committed',
        (error: unknown) => (error as { code?: string }).code,
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // the query is in flight
      await server.stop();
      expect(await outcome).toBe('CONNECTION_CLOSED');
      // Unpatched, the process dies on the next turn of the event loop, before this point.
      await new Promise((resolve) => setTimeout(resolve, 500));

      await server.start();
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT 1`);
      });
      // Every pooled connection is usable again, including the one that died mid-transaction.
      const rows = await Promise.all(
        Array.from({ length: 8 }, () => database.query<{ one: number }>('SELECT 1 AS one')),
      );
      expect(rows.flat()).toHaveLength(8);
    } finally {
      await database.close();
      await server.destroy();
    }
  }, 30_000);
});
