import { randomUUID } from 'node:crypto';
import { loadConfig } from '@aiq/config';
import { createPgliteDatabase, createPostgresDatabase, type Database } from '@aiq/db';
import { createLogger } from '@aiq/logger';
import { startOwnPostgres } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptRecordId } from './attempt-record-id.js';
import type { AttemptRecord } from './ledger-records.js';
import { createLedgerWriter } from './ledger-writer.js';

const logger = createLogger(loadConfig({ LOG_LEVEL: 'silent' }));

function attempt(taskId: string, attemptNumber: number): AttemptRecord {
  return {
    id: attemptRecordId(taskId, attemptNumber),
    taskId,
    userId: 'user-1',
    provider: 'openai',
    model: 'gpt-5',
    status: 'completed',
    errorCode: null,
    errorMessage: null,
    prompt: 'Hi',
    response: 'Hello',
    partial: false,
    finishReason: 'stop',
    promptTokens: 5,
    completionTokens: 1,
    costUsd: 0.000016,
    durationMs: 12,
    ttftMs: 3,
    attempt: attemptNumber,
    providerRequestId: null,
    startedAt: Date.now() - 12,
    completedAt: Date.now(),
  };
}

async function insertTask(database: Database, taskId: string): Promise<void> {
  await database.query(
    `INSERT INTO background_tasks (id, user_id, type, input) VALUES ($1, 'user-1', 'ai_generation', '{}')`,
    [taskId],
  );
}

describe('ledger writer on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase({ dataDir: 'memory://' });
    await database.migrate();
  });
  afterAll(() => database.close());

  it('should store a twice-written attempt once and keep the first terminal status', async () => {
    const ledger = createLedgerWriter({ database, logger });
    const taskId = randomUUID();
    await insertTask(database, taskId);
    ledger.updateTask({ kind: 'started', taskId, attempt: 2, at: Date.now() });
    ledger.recordAttempt(attempt(taskId, 1));
    ledger.recordAttempt(attempt(taskId, 1));
    ledger.updateTask({ kind: 'finished', taskId, status: 'completed', result: { ok: 1 }, at: 1 });
    ledger.updateTask({ kind: 'finished', taskId, status: 'failed', errorCode: 'x', at: 2 });
    await ledger.flush();

    const rows = await database.query<{ tokens_used: number; cost_usd: string }>(
      'SELECT tokens_used, cost_usd FROM ai_requests WHERE task_id = $1',
      [taskId],
    );
    expect(rows).toEqual([{ tokens_used: 6, cost_usd: '0.000016' }]);
    const [task] = await database.query<Record<string, unknown>>(
      'SELECT status, retry_count, result, error_code FROM background_tasks WHERE id = $1',
      [taskId],
    );
    expect(task).toEqual({
      status: 'completed',
      retry_count: 1,
      result: { ok: 1 },
      error_code: null,
    });
    expect(ledger.stats()).toMatchObject({ buffered: 0, written: 5, dropped: 0 });
    await ledger.close();
  });
});

describe('ledger writer through a Postgres outage', () => {
  it('should hold writes while Postgres is down and write every one when it returns', async () => {
    const server = await startOwnPostgres();
    const database = createPostgresDatabase({
      url: server.url,
      poolSize: 2,
      connectTimeoutSeconds: 1,
    });
    try {
      await database.migrate();
      const ledger = createLedgerWriter({ database, logger, retryDelayMs: 50 });
      const taskId = randomUUID();
      for (let index = 1; index <= 100; index += 1) ledger.recordAttempt(attempt(taskId, index));
      await ledger.flush();

      await server.stop();
      for (let index = 101; index <= 600; index += 1) ledger.recordAttempt(attempt(taskId, index));
      await expect.poll(() => ledger.stats().failedFlushes).toBeGreaterThan(0);
      expect(ledger.stats().buffered).toBe(500);
      await server.start();
      await ledger.flush();

      const [count] = await database.query<{ count: string }>(
        'SELECT count(*) FROM ai_requests WHERE task_id = $1',
        [taskId],
      );
      expect(Number(count?.count)).toBe(600);
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
    const database = createPostgresDatabase({
      url: 'postgres://postgres@127.0.0.1:1/none',
      poolSize: 1,
      connectTimeoutSeconds: 1,
    });
    const ledger = createLedgerWriter({ database, logger: capture, maxBuffered: 10 });
    const taskId = randomUUID();
    for (let index = 1; index <= 15; index += 1) ledger.recordAttempt(attempt(taskId, index));
    expect(ledger.stats()).toMatchObject({ buffered: 10, dropped: 5 });
    expect(lines.join('')).toMatch(/ledger buffer full/);
    await ledger.close({ timeoutMs: 10 });
    await database.close();
  });
});
