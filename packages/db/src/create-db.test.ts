import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@aiq/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from './create-db.js';
import { createPgliteDatabase } from './create-pglite-database.js';
import { DataDirLockedError } from './data-dir-lock.js';
import { users } from './schema.js';

describe('createDb on PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('should report pending migrations, then apply them once even when two processes race', async () => {
    const testDatabase = await createTestDatabase();
    cleanups.push(() => testDatabase.drop());
    const config = { kind: 'postgres' as const, url: testDatabase.url, poolSize: 2 };
    const first = await createDb(config, { applicationName: 'aiq-test-a' });
    const second = await createDb(config, { applicationName: 'aiq-test-b' });
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );

    expect(await first.migrationStatus()).toEqual({ applied: 0, available: 7, current: false });
    await Promise.all([first.migrate(), second.migrate()]);
    expect(await second.migrationStatus()).toEqual({ applied: 7, available: 7, current: true });
    await first.migrate(); // idempotent
    expect((await first.migrationStatus()).applied).toBe(7);
  });

  it('should name its connections for pg_stat_activity', async () => {
    const testDatabase = await createTestDatabase();
    cleanups.push(() => testDatabase.drop());
    const database = await createDb(
      { kind: 'postgres', url: testDatabase.url, poolSize: 1 },
      { applicationName: 'aiq-worker-test' },
    );
    cleanups.push(() => database.close());
    const rows = await database.query<{ application_name: string }>(
      'SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()',
    );
    expect(rows).toEqual([{ application_name: 'aiq-worker-test' }]);
  });

  it("should work in UTC whatever the server's time zone, so hourly buckets are the same everywhere", async () => {
    const testDatabase = await createTestDatabase();
    cleanups.push(() => testDatabase.drop());
    const name = new URL(testDatabase.url).pathname.slice(1);
    const admin = await createDb({ kind: 'postgres', url: testDatabase.url, poolSize: 1 });
    // A zone 45 minutes off the hour: its hours are not UTC's.
    await admin.query(`ALTER DATABASE "${name}" SET TimeZone = 'Asia/Kathmandu'`);
    await admin.close();
    const database = await createDb({ kind: 'postgres', url: testDatabase.url, poolSize: 1 });
    cleanups.push(() => database.close());
    const rows = await database.query<{ zone: string; hour: string }>(
      "SELECT current_setting('TimeZone') AS zone, DATE_TRUNC('hour', '2026-12-02T09:50:00Z'::timestamptz)::text AS hour",
    );
    expect(rows).toEqual([{ zone: 'UTC', hour: '2026-12-02 09:00:00+00' }]);
  });
});

describe('createDb on PGlite', () => {
  it('should keep data in its directory across restarts', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aiq-pglite-'));
    try {
      const first = await createDb({ kind: 'pglite', dataDir });
      await first.migrate();
      await first.db.insert(users).values({ id: 'durable-user' });
      await first.close();

      const second = await createDb({ kind: 'pglite', dataDir });
      expect((await second.migrationStatus()).current).toBe(true);
      expect(await second.db.select().from(users)).toMatchObject([{ id: 'durable-user' }]);
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('should refuse a data directory another live process holds, and take over a stale lock', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aiq-pglite-'));
    try {
      // PID 1 is always alive: another process holds the directory.
      await writeFile(path.join(dataDir, 'aiq.lock'), '1');
      await expect(createPgliteDatabase({ dataDir })).rejects.toThrow(DataDirLockedError);
      await expect(createPgliteDatabase({ dataDir })).rejects.toThrow(/in use by process 1/);

      // A pid that cannot exist: its owner died, the lock is stale.
      await writeFile(path.join(dataDir, 'aiq.lock'), '2147483646');
      const database = await createPgliteDatabase({ dataDir });
      await database.ping();
      await database.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
