import { createPostgresDatabase, type Database } from '@aiq/db';
import { createTestDatabase, type TestDatabase } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOW_TASK_QUERIES } from '../src/commands/tasks.js';
import { runCli } from './harness/run-cli.js';

describe('aiq tasks show', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    // One connection, so the session setting below applies to the EXPLAINs.
    database = createPostgresDatabase({ url: testDatabase.url, poolSize: 1 });
    await database.migrate();
  });
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it.each([
    ['task', SHOW_TASK_QUERIES.task, 'id'],
    ['attempts', SHOW_TASK_QUERIES.attempts, 'task_id'],
  ])(
    'should read the %s by an index on the id, never by scanning the table',
    async (_name, sql, column) => {
      // On a table this small the planner would scan anyway; forbid it, so only a query that
      // can use an index gets an index scan.
      await database.query('SET enable_seqscan = off');
      const plan = await database.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [
        '5b0e8f2c-4b8a-4f57-9a43-2d2f6f1d0c11',
      ]);
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      // An index looked up by the id itself, not a walk of a whole index filtered row by row.
      expect(text).toContain(`Index Cond: (${column} = `);
      expect(text).not.toMatch(/Seq Scan|Filter:/);
    },
  );

  it('should refuse a malformed task id with a clear error before any query', async () => {
    const result = await runCli(['tasks', 'show', 'not-a-task'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    expect(result).toMatchObject({
      code: 2,
      err: 'not-a-task is not a task id (a UUID such as 5b0e8f2c-4b8a-4f57-9a43-2d2f6f1d0c11)',
    });
  });
});
