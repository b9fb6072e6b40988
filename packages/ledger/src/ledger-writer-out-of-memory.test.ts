import { randomUUID } from 'node:crypto';
import { loadConfig } from '@aiq/config';
import { createPgliteDatabase, type Database } from '@aiq/db';
import { createLogger } from '@aiq/logger';
import { startOwnRedisServer, type OwnRedisServer } from '@aiq/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAttempt } from './testing/test-attempt.js';
import { createLedgerWriter, LEDGER_GROUP, ledgerStreamKey } from './ledger-writer.js';

const logger = createLogger(loadConfig({ LOG_LEVEL: 'silent' }));

async function countAttempts(database: Database, taskId: string): Promise<number> {
  const [row] = await database.query<{ count: string }>(
    'SELECT count(*) FROM ai_requests WHERE task_id = $1',
    [taskId],
  );
  return Number(row?.count);
}

describe('ledger writer on a Redis out of memory', () => {
  let server: OwnRedisServer;
  let redis: Redis;
  let database: Database;
  beforeAll(async () => {
    // Its own Redis: the test sets maxmemory, which a shared one must never see.
    server = await startOwnRedisServer({ args: ['--maxmemory-policy', 'noeviction'] });
    redis = new Redis(server.url);
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    await database.migrate();
    // A gate: attempt rows are refused (as by an outage) while it is closed, so the test can
    // fill Redis between the writer's read and its acknowledgement.
    await database.query('CREATE TABLE gate (closed boolean)');
    await database.query('INSERT INTO gate VALUES (true)');
    await database.query(`CREATE FUNCTION gated_insert() RETURNS trigger AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM gate) THEN RAISE EXCEPTION 'gate closed'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await database.query(`CREATE TRIGGER gated_insert BEFORE INSERT ON ai_requests
      FOR EACH STATEMENT EXECUTE FUNCTION gated_insert()`);
  });
  afterAll(async () => {
    await database.close();
    redis.disconnect();
    await server.stop();
  });

  it('should acknowledge and delete its batch while Redis is full, freeing the memory', async () => {
    const taskId = randomUUID();
    await database.query(
      `INSERT INTO background_tasks (id, user_id, type, input) VALUES ($1, 'user-1', 'ai_generation', '{}')`,
      [taskId],
    );
    const ledger = createLedgerWriter({
      database,
      redis,
      prefix: 'oom',
      logger,
      retryDelayMs: 20,
      blockMs: 100,
      claimIdleMs: 60_000,
    });
    await ledger.recordAttempt(testAttempt(taskId, 1));
    // Read and held by the writer, which retries it: Redis fills up, then Postgres takes it.
    await expect.poll(() => ledger.stats().failedFlushes).toBeGreaterThan(0);
    const [pending] = (await redis.xpending(ledgerStreamKey('oom'), LEDGER_GROUP)) as [number];
    expect(pending).toBe(1);
    await redis.config('SET', 'maxmemory', '1');
    await database.query('DELETE FROM gate');
    await expect.poll(() => countAttempts(database, taskId)).toBe(1);
    // Redis refuses MULTI at maxmemory, but not XACK and XDEL: the outbox shrinks while full
    // (with MULTI the writer re-wrote its batch every 250 ms until Redis had room).
    expect(await redis.set('probe', 'x').catch((error: Error) => error.message)).toMatch(/^OOM/);
    await expect.poll(() => redis.xlen(ledgerStreamKey('oom')), { timeout: 5_000 }).toBe(0);
    await redis.config('SET', 'maxmemory', '0');
    expect(await countAttempts(database, taskId)).toBe(1);
    expect(ledger.stats()).toMatchObject({ written: 1, buffered: 0 });
    await ledger.close();
  });
});
