import { randomUUID } from 'node:crypto';
import { loadConfig } from '@aiq/config';
import { createPgliteDatabase, createPostgresDatabase, type Database } from '@aiq/db';
import { createLogger } from '@aiq/logger';
import { connectTestRedis, deletePrefix, startOwnPostgres, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAttempt } from './testing/test-attempt.js';
import { createLedgerWriter, LEDGER_GROUP, ledgerStreamKey } from './ledger-writer.js';

const logger = createLogger(loadConfig({ LOG_LEVEL: 'silent' }));

async function insertTask(database: Database, taskId: string): Promise<void> {
  await database.query(
    `INSERT INTO background_tasks (id, user_id, type, input) VALUES ($1, 'user-1', 'ai_generation', '{}')`,
    [taskId],
  );
}

async function countAttempts(database: Database, taskId: string): Promise<number> {
  const [row] = await database.query<{ count: string }>(
    'SELECT count(*) FROM ai_requests WHERE task_id = $1',
    [taskId],
  );
  return Number(row?.count);
}

/** A Postgres that never answers: writes to it fail like an outage. */
function unreachableDatabase(): Database {
  return createPostgresDatabase({
    url: 'postgres://postgres@127.0.0.1:1/none',
    poolSize: 1,
    connectTimeoutSeconds: 1,
  });
}

let redis: Redis;
const prefix = uniquePrefix('ledger');
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('ledger writer on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    await database.migrate();
  });
  afterAll(() => database.close());

  it('should store a twice-written attempt once and keep the first terminal status', async () => {
    const ledger = createLedgerWriter({ database, redis, prefix: `${prefix}:a`, logger });
    const taskId = randomUUID();
    await insertTask(database, taskId);
    await ledger.updateTask({ kind: 'started', taskId, attempt: 2, at: Date.now() });
    await ledger.recordAttempt(testAttempt(taskId, 1));
    await ledger.recordAttempt(testAttempt(taskId, 1));
    await ledger.updateTask({
      kind: 'finished',
      taskId,
      status: 'completed',
      result: { ok: 1 },
      at: 1,
    });
    await ledger.updateTask({
      kind: 'finished',
      taskId,
      status: 'failed',
      errorCode: 'server_error',
      at: 2,
    });
    await ledger.flush();

    const rows = await database.query<{ tokens_used: number; cost_usd: string }>(
      'SELECT tokens_used, cost_usd FROM ai_requests WHERE task_id = $1',
      [taskId],
    );
    expect(rows).toEqual([{ tokens_used: 6, cost_usd: '0.000016' }]);
    const [task] = await database.query<Record<string, unknown>>(
      'SELECT status, attempts, result, error_code FROM background_tasks WHERE id = $1',
      [taskId],
    );
    expect(task).toEqual({
      status: 'completed',
      attempts: 2,
      result: { ok: 1 },
      error_code: null,
    });
    expect(ledger.stats()).toMatchObject({ buffered: 0, written: 5, dropped: 0 });
    // Written entries leave the outbox.
    expect(await redis.xlen(ledgerStreamKey(`${prefix}:a`))).toBe(0);
    await ledger.close();
  });

  it('should keep the model asked for beside the successor that ran, on the attempt and the task', async () => {
    const ledger = createLedgerWriter({ database, redis, prefix: `${prefix}:m`, logger });
    const taskId = randomUUID();
    await insertTask(database, taskId);
    await ledger.updateTask({
      kind: 'started',
      taskId,
      attempt: 1,
      model: 'claude-sonnet-5-5',
      at: Date.now(),
    });
    await ledger.recordAttempt({
      ...testAttempt(taskId, 1),
      provider: 'anthropic',
      model: 'claude-sonnet-5-5',
      requestedModel: 'claude-sonnet-4-5',
    });
    await ledger.flush();
    expect(
      await database.query('SELECT model, requested_model FROM ai_requests WHERE task_id = $1', [
        taskId,
      ]),
    ).toEqual([{ model: 'claude-sonnet-5-5', requested_model: 'claude-sonnet-4-5' }]);
    expect(
      await database.query('SELECT status, model FROM background_tasks WHERE id = $1', [taskId]),
    ).toEqual([{ status: 'processing', model: 'claude-sonnet-5-5' }]);
    await ledger.close();
  });

  it('should count an attempt that lands after the terminal write without reopening the task', async () => {
    const ledger = createLedgerWriter({ database, redis, prefix: `${prefix}:b`, logger });
    const taskId = randomUUID();
    await insertTask(database, taskId);
    await ledger.updateTask({ kind: 'finished', taskId, status: 'completed', at: 1 });
    await ledger.updateTask({ kind: 'started', taskId, attempt: 3, at: Date.now() });
    await ledger.flush();
    const [task] = await database.query<Record<string, unknown>>(
      'SELECT status, attempts FROM background_tasks WHERE id = $1',
      [taskId],
    );
    expect(task).toEqual({ status: 'completed', attempts: 3 });
    await ledger.close();
  });

  it("should ignore an earlier run's writes once the task was retried", async () => {
    const ledger = createLedgerWriter({ database, redis, prefix: `${prefix}:r`, logger });
    const taskId = randomUUID();
    await insertTask(database, taskId);
    // An operator retried the task once: it is pending again, in its second run.
    await database.query(
      "UPDATE background_tasks SET status = 'pending', retry_count = 1 WHERE id = $1",
      [taskId],
    );
    // A late write of the first run (a dead-letter record still in the outbox) changes nothing.
    await ledger.updateTask({ kind: 'started', taskId, attempt: 3, at: 1 });
    await ledger.updateTask({
      kind: 'finished',
      taskId,
      status: 'failed',
      errorCode: 'auth',
      at: 2,
    });
    await ledger.flush();
    expect(
      await database.query('SELECT status, attempts FROM background_tasks WHERE id = $1', [taskId]),
    ).toEqual([{ status: 'pending', attempts: 0 }]);
    // The second run's writes land.
    await ledger.updateTask({ kind: 'started', taskId, attempt: 1, retry: 1, at: 3 });
    await ledger.updateTask({ kind: 'finished', taskId, status: 'completed', retry: 1, at: 4 });
    await ledger.flush();
    expect(
      await database.query('SELECT status, attempts FROM background_tasks WHERE id = $1', [taskId]),
    ).toEqual([{ status: 'completed', attempts: 1 }]);
    await ledger.close();
  });

  it('should take over a batch that a stopped writer read but never wrote', async () => {
    const shared = `${prefix}:c`;
    const unreachable = unreachableDatabase();
    const dead = createLedgerWriter({
      database: unreachable,
      redis,
      prefix: shared,
      logger,
      retryDelayMs: 20,
    });
    const taskId = randomUUID();
    for (let index = 1; index <= 50; index += 1)
      await dead.recordAttempt(testAttempt(taskId, index));
    await expect.poll(() => dead.stats().failedFlushes).toBeGreaterThan(0);
    // The dead writer holds the batch it read, unacknowledged, as a killed worker would; the
    // rest wait unread.
    const [pending] = (await redis.xpending(ledgerStreamKey(shared), LEDGER_GROUP)) as [number];
    expect(pending).toBeGreaterThan(0);
    expect(await redis.xlen(ledgerStreamKey(shared))).toBe(50);
    await dead.close({ timeoutMs: 0 });
    await unreachable.close();

    const survivor = createLedgerWriter({
      database,
      redis,
      prefix: shared,
      logger,
      claimIdleMs: 300,
    });
    await expect.poll(() => countAttempts(database, taskId), { timeout: 5_000 }).toBe(50);
    await expect.poll(() => redis.xlen(ledgerStreamKey(shared))).toBe(0);
    expect(survivor.stats()).toMatchObject({ written: 50, dropped: 0 });
    await survivor.close();
  });

  it('should start the outbox again when Redis lost it (FLUSHALL, failover)', async () => {
    const own = `${prefix}:d`;
    const ledger = createLedgerWriter({ database, redis, prefix: own, logger, blockMs: 100 });
    const taskId = randomUUID();
    await ledger.recordAttempt(testAttempt(taskId, 1));
    await ledger.flush();
    await redis.del(ledgerStreamKey(own)); // the stream and its consumer group are gone
    await ledger.recordAttempt(testAttempt(taskId, 2));
    await ledger.flush();
    expect(await countAttempts(database, taskId)).toBe(2);
    await ledger.close();
  });
});

describe('ledger writer through a Postgres outage', () => {
  it('should hold writes in Redis while Postgres is down and write every one when it returns', async () => {
    const server = await startOwnPostgres();
    const database = createPostgresDatabase({
      url: server.url,
      poolSize: 2,
      connectTimeoutSeconds: 1,
    });
    const own = `${prefix}:e`;
    try {
      await database.migrate();
      const ledger = createLedgerWriter({ database, redis, prefix: own, logger, retryDelayMs: 50 });
      const taskId = randomUUID();
      for (let index = 1; index <= 100; index += 1)
        await ledger.recordAttempt(testAttempt(taskId, index));
      await ledger.flush();

      await server.stop();
      for (let index = 101; index <= 600; index += 1)
        await ledger.recordAttempt(testAttempt(taskId, index));
      await expect.poll(() => ledger.stats().failedFlushes).toBeGreaterThan(0);
      expect(await redis.xlen(ledgerStreamKey(own))).toBe(500);
      await server.start();
      await ledger.flush();

      expect(await countAttempts(database, taskId)).toBe(600);
      expect(ledger.stats()).toMatchObject({ buffered: 0, dropped: 0, written: 600 });
      await ledger.close();
    } finally {
      await database.close();
      await server.destroy();
    }
  });

  it('should count and log what it drops when the bound is hit, never drop silently', async () => {
    const lines: string[] = [];
    const capture = createLogger(loadConfig({ LOG_LEVEL: 'error' }), {
      destination: { write: (line: string) => lines.push(line) },
    });
    const database = unreachableDatabase();
    const own = `${prefix}:f`;
    const ledger = createLedgerWriter({
      database,
      redis,
      prefix: own,
      logger: capture,
      maxBuffered: 100,
    });
    const taskId = randomUUID();
    for (let index = 1; index <= 105; index += 1)
      await ledger.recordAttempt(testAttempt(taskId, index));
    expect(ledger.stats()).toMatchObject({ dropped: 5 });
    expect(await redis.xlen(ledgerStreamKey(own))).toBe(100);
    // The oldest went: the newest are kept.
    const [[, [, newest] = []] = []] = await redis.xrevrange(
      ledgerStreamKey(own),
      '+',
      '-',
      'COUNT',
      1,
    );
    expect(JSON.parse(newest ?? '{}')).toMatchObject({ record: { attempt: 105 } });
    expect(lines.join('')).toMatch(/ledger buffer full/);
    await ledger.close({ timeoutMs: 10 });
    await database.close();
  });

  it('should bound the outbox by bytes too, so large prompts and responses cannot fill Redis', async () => {
    const database = unreachableDatabase();
    const own = `${prefix}:g`;
    const maxBufferedBytes = 256 * 1024;
    const ledger = createLedgerWriter({
      database,
      redis,
      prefix: own,
      logger,
      maxBufferedBytes,
    });
    const taskId = randomUUID();
    // 200 writes of 10 KB each: 2 MB, well under the count bound, eight times the byte bound.
    const response = 'x'.repeat(10_000);
    for (let index = 1; index <= 200; index += 1)
      await ledger.recordAttempt({ ...testAttempt(taskId, index), response });
    const used = Number(await redis.call('MEMORY', 'USAGE', ledgerStreamKey(own), 'SAMPLES', '0'));
    expect(used).toBeLessThanOrEqual(maxBufferedBytes * 1.1);
    expect(ledger.stats().dropped).toBeGreaterThan(150);
    const [[, [, newest] = []] = []] = await redis.xrevrange(
      ledgerStreamKey(own),
      '+',
      '-',
      'COUNT',
      1,
    );
    expect(JSON.parse(newest ?? '{}')).toMatchObject({ record: { attempt: 200 } });
    await ledger.close({ timeoutMs: 10 });
    await database.close();
  });
});
