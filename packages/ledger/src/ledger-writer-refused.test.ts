import { randomUUID } from 'node:crypto';
import { loadConfig } from '@aiq/config';
import { createPostgresDatabase, type Database } from '@aiq/db';
import { createLogger } from '@aiq/logger';
import {
  connectTestRedis,
  createTestDatabase,
  deletePrefix,
  uniquePrefix,
  type TestDatabase,
} from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerDeadStreamKey } from './ledger-dead-stream.js';
import { attemptRecordId } from './attempt-record-id.js';
import { testAttempt } from './testing/test-attempt.js';
import { createLedgerWriter, ledgerStreamKey } from './ledger-writer.js';
import type { LedgerOperation } from './write-ledger-batch.js';

// A prompt no log line may ever hold.
const PROMPT = 'Quokka-secret-prompt-8841';

const attempt = (taskId: string, attemptNumber: number) =>
  testAttempt(taskId, attemptNumber, PROMPT);

describe('ledger writer with writes PostgreSQL refuses', () => {
  let redis: Redis;
  let testDatabase: TestDatabase;
  let database: Database;
  const prefix = uniquePrefix('ledger-refused');
  beforeAll(async () => {
    redis = await connectTestRedis();
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ url: testDatabase.url, poolSize: 2 });
    await database.migrate();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
    await database.close();
    await testDatabase.drop();
  });

  const countAttempts = async (taskId: string) =>
    Number(
      (
        await database.query<{ count: string }>(
          'SELECT count(*) FROM ai_requests WHERE task_id = $1',
          [taskId],
        )
      )[0]?.count,
    );

  it('should store U+0000 and lone surrogates as U+FFFD, park a refused write, and write the rest of its batch and the next ones', async () => {
    const own = `${prefix}:a`;
    const lines: string[] = [];
    const capture = createLogger(loadConfig({ LOG_LEVEL: 'debug' }), {
      destination: { write: (line: string) => lines.push(line) },
    });
    const taskId = randomUUID();
    await database.query(
      `INSERT INTO background_tasks (id, user_id, type, input) VALUES ($1, 'user-1', 'ai_generation', '{}')`,
      [taskId],
    );
    const poisoned = { ...attempt(taskId, 3), id: 'not-a-uuid' }; // 22P02 on its own
    const operations: LedgerOperation[] = [
      { kind: 'task', update: { kind: 'started', taskId, attempt: 1, at: 1_000 } },
      { kind: 'attempt', record: attempt(taskId, 1) },
      {
        kind: 'attempt',
        record: {
          ...attempt(taskId, 2),
          response: 'Out\u0000put \ud800 end',
          errorMessage: 'provider said \u0000',
        },
      },
      { kind: 'attempt', record: poisoned },
      {
        kind: 'task',
        update: {
          kind: 'finished',
          taskId,
          status: 'completed',
          result: { text: 'Out\u0000put \ud800 end' },
          at: 2_000,
        },
      },
    ];
    // All in the outbox before the writer starts: they are read as one batch.
    const ids: string[] = [];
    for (const operation of operations) {
      ids.push(
        (await redis.xadd(ledgerStreamKey(own), '*', 'op', JSON.stringify(operation))) ?? '',
      );
    }
    const ledger = createLedgerWriter({ database, redis, prefix: own, logger: capture });
    try {
      await expect.poll(() => redis.xlen(ledgerStreamKey(own)), { timeout: 10_000 }).toBe(0);
      expect(await countAttempts(taskId)).toBe(2);
      expect(
        await database.query('SELECT response, error_message FROM ai_requests WHERE id = $1', [
          attemptRecordId(taskId, 2),
        ]),
      ).toEqual([{ response: 'Out\ufffdput \ufffd end', error_message: 'provider said \ufffd' }]);
      expect(
        await database.query('SELECT status, result FROM background_tasks WHERE id = $1', [taskId]),
      ).toEqual([{ status: 'completed', result: { text: 'Out\ufffdput \ufffd end' } }]);

      // The refused write is kept, whole, in the dead stream, with its code and ids.
      const dead = await redis.xrange(ledgerDeadStreamKey(own), '-', '+');
      expect(dead).toHaveLength(1);
      const fields = Object.fromEntries(
        (dead[0]?.[1] ?? []).flatMap((value, index, all) =>
          index % 2 === 0 ? [[value, all[index + 1]]] : [],
        ),
      );
      expect(fields).toMatchObject({ code: '22P02', entry: ids[3], row: 'not-a-uuid' });
      expect(JSON.parse(fields['op'] ?? '{}')).toEqual({ kind: 'attempt', record: poisoned });
      expect(ledger.stats()).toMatchObject({ written: 4, parked: 1, pendingBatchAgeMs: 0 });

      // Later writes go through.
      await ledger.recordAttempt(attempt(taskId, 4));
      await ledger.flush();
      expect(await countAttempts(taskId)).toBe(3);

      // The log names the code and the ids, never the rows' text.
      const log = lines.join('');
      expect(log).toMatch(/"code":"22P02".*"entryId":"[0-9-]+".*"rowId":"not-a-uuid"/);
      expect(log).not.toContain(PROMPT);
      expect(log).not.toContain('Out');
    } finally {
      await ledger.close();
    }
  });
});
