import net from 'node:net';
import type { AddressInfo } from 'node:net';
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

  // postgres-js fetches the server's array types on every new connection and drops the promise
  // (`return fetchArrayTypes()` in a message handler): if the connection dies during that query,
  // the rejection is unhandled and the process exits (porsager/postgres#279). A worker whose pool
  // reconnected while Postgres went down died this way. The patch catches it; the connection's
  // queries still fail or retry as for any other closed connection.
  it('should survive a connection that dies while fetching array types', async () => {
    const server = await startOwnPostgres();
    const target = new URL(server.url);
    let cut = 0;
    // A proxy that cuts the first connection whose client asks for the array types.
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      client.on('data', (chunk) => {
        if (cut === 0 && chunk.includes('typarray')) {
          // Postgres goes away mid-query: this connection drops and reconnects are refused.
          cut += 1;
          proxy.close();
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as AddressInfo).port;
    const proxied = new URL(server.url);
    proxied.port = String(proxyPort);
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    const database = createPostgresDatabase({ url: proxied.toString(), poolSize: 1 });
    try {
      const first = database.query('SELECT 1').then(
        () => 'answered',
        (error: unknown) => (error as { code?: string }).code,
      );
      await expect.poll(() => cut).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 500)); // reconnects are refused meanwhile
      expect(unhandled).toEqual([]);
      // Postgres is back: the query that was waiting is answered or failed, never left hanging,
      // and the pool works.
      await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
      expect(['answered', 'ECONNREFUSED', 'CONNECTION_CLOSED']).toContain(await first);
      expect(await database.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
      await database.close();
      proxy.close();
      await server.destroy();
    }
  }, 30_000);
});
