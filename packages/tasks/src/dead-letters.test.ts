import type { Database } from '@aiq/db';
import { connectTestRedis } from '@aiq/testing';
import { deadLetterJobId, enqueue, type DeadLetterJob, type Queues } from '@aiq/queue';
import { UnrecoverableError, Worker, type Processor } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findDeadLetter,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
} from './dead-letters.js';
import { retryTask } from './retry-task.js';
import { submitTask } from './submit-task.js';
import { openTaskTestDeps, type TaskTestDeps } from './testing/open-task-test-deps.js';

const HOUR = 3_600_000;

describe('dead letters', () => {
  let prefix: string;
  let database: Database;
  let queues: Queues;
  let deps: TaskTestDeps;

  beforeAll(async () => {
    deps = await openTaskTestDeps('dead-letters', { postgres: true });
    ({ prefix, database, queues } = deps);
  });
  afterAll(() => deps.close());

  /** Runs a real BullMQ worker with the test's processor on one queue until `done()` holds. */
  async function work(
    queue: 'generate-openai' | 'dead-letter',
    processor: Processor,
    done: () => Promise<boolean>,
  ) {
    const connection = await connectTestRedis();
    const worker = new Worker(queue, processor, { connection, prefix });
    try {
      await expect.poll(done, { timeout: 10_000, interval: 25 }).toBe(true);
    } finally {
      await worker.close();
      await connection.quit();
    }
  }

  /**
   * A generation whose run failed for good, as a worker leaves it: the job failed, the row
   * failed with the code, and (unless `record` is false) its dead-letter entry recorded.
   */
  async function deadLettered(
    taskId: string | undefined,
    { ago = 0, record = true }: { ago?: number; record?: boolean } = {},
  ): Promise<string> {
    const id =
      taskId ??
      (
        await submitTask(deps, {
          kind: 'generation',
          userId: 'user-1',
          model: 'gpt-5',
          messages: [{ role: 'user', content: 'Hello' }],
        })
      ).taskId;
    const queue = queues['generate-openai'];
    await work(
      'generate-openai',
      () => Promise.reject(new UnrecoverableError('server_error: down')),
      async () => (await queue.getJobState(id)) === 'failed',
    );
    const [row] = await database.query<{ retry_count: number }>(
      `UPDATE background_tasks SET status = 'failed', error_code = 'server_error',
         completed_at = now() WHERE id = $1 RETURNING retry_count`,
      [id],
    );
    const retry = row?.retry_count ?? 0;
    const at = Date.now() - ago;
    const entry: DeadLetterJob = {
      taskId: id,
      retry,
      queue: 'generate-openai',
      payload: (await queue.getJob(id))?.data,
      failures: [
        { attempt: 1, at: at - 1_000, errorCode: 'overloaded', message: 'busy' },
        { attempt: 2, at, errorCode: 'server_error', message: 'down' },
      ],
      deadLetteredAt: at,
    };
    const entryId = deadLetterJobId(id, retry);
    await enqueue(queues, 'dead-letter', entry, { jobId: entryId });
    if (record) {
      await work(
        'dead-letter',
        () => Promise.resolve({ recorded: true }),
        async () => (await queues['dead-letter'].getJobState(entryId)) === 'completed',
      );
    }
    return id;
  }

  let old: string;
  let twice: string;
  let unrecorded: string;

  it('should list entries newest first, in any state, and only recent ones with sinceMs', async () => {
    old = await deadLettered(undefined, { ago: 2 * HOUR });
    twice = await deadLettered(undefined);
    expect(await retryTask(deps, twice, { door: 'api', by: 'alice' })).toMatchObject({
      result: 'retried',
    });
    await deadLettered(twice, { ago: -1 });
    unrecorded = await deadLettered(undefined, { ago: -2, record: false });

    const entries = await listDeadLetters(queues);
    expect(entries.map((entry) => [entry.id, entry.state, entry.replayed?.door])).toEqual([
      [unrecorded, 'waiting', undefined],
      [`${twice}-r1`, 'completed', undefined],
      [twice, 'completed', 'api'],
      [old, 'completed', undefined],
    ]);
    expect(entries[1]).toMatchObject({ taskId: twice, retry: 1, queue: 'generate-openai' });
    expect(entries[1]?.failures.map((failure) => failure.errorCode)).toEqual([
      'overloaded',
      'server_error',
    ]);
    const recent = await listDeadLetters(queues, { sinceMs: HOUR });
    expect(recent.map((entry) => entry.id)).not.toContain(old);
    expect(recent).toHaveLength(3);
  });

  it("should find a task's latest run, or a run by entry id", async () => {
    expect(await findDeadLetter(deps, twice)).toMatchObject({ id: `${twice}-r1`, retry: 1 });
    expect((await findDeadLetter(deps, `${twice}-r1`))?.payload).toMatchObject({
      taskId: twice,
      retry: 1,
      model: 'gpt-5',
    });
    expect(await findDeadLetter(deps, `${twice}-r0`)).toMatchObject({ id: twice, retry: 0 });
    expect(await findDeadLetter(deps, `${twice}-r2`)).toBeUndefined();
    expect(await findDeadLetter(deps, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await findDeadLetter(deps, 'not-a-task')).toBeUndefined();
  });

  it('should replay named entries once: retried through door dlq, marked, audited', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const summary = await replayDeadLetters(deps, { taskIds: [old, missing] }, 'cli:ops');
    expect(summary).toMatchObject({
      matched: 2,
      retried: 1,
      skipped: { not_dead_lettered: 1 },
    });
    expect(summary.outcomes).toEqual(
      expect.arrayContaining([
        { taskId: missing, result: 'not_dead_lettered' },
        { taskId: old, result: 'retried', retryCount: 1, queue: 'generate-openai' },
      ]),
    );
    expect((await findDeadLetter(deps, old))?.replayed).toMatchObject({
      by: 'cli:ops',
      door: 'dlq',
    });
    const job = await queues['generate-openai'].getJob(old);
    expect(await job?.getState()).toBe('waiting');
    expect(job?.data).toMatchObject({ retry: 1 });

    const again = await replayDeadLetters(deps, { taskIds: [old] }, 'cli:ops');
    expect(again).toMatchObject({ matched: 1, retried: 0, skipped: { already_replayed: 1 } });
    expect(
      await database.query(
        `SELECT action, door, actor, task_ids, matched, changed, skipped FROM operator_actions
         WHERE action = 'dlq_replay' ORDER BY created_at`,
      ),
    ).toEqual([
      {
        action: 'dlq_replay',
        door: 'dlq',
        actor: 'cli:ops',
        task_ids: [old],
        matched: 2,
        changed: 1,
        skipped: 1,
      },
      {
        action: 'dlq_replay',
        door: 'dlq',
        actor: 'cli:ops',
        task_ids: [],
        matched: 1,
        changed: 0,
        skipped: 1,
      },
    ]);
  });

  it("should replay all entries not replayed yet, each task's latest run only", async () => {
    const summary = await replayDeadLetters(deps, { all: true }, 'cli:ops');
    expect(summary).toMatchObject({ matched: 2, retried: 2, skipped: {} });
    expect(summary.outcomes.map((outcome) => outcome.taskId).sort()).toEqual(
      [twice, unrecorded].sort(),
    );
    expect((await findDeadLetter(deps, twice))?.replayed?.door).toBe('dlq');
    expect(await replayDeadLetters(deps, { all: true }, 'cli:ops')).toMatchObject({
      matched: 0,
      retried: 0,
    });
  });

  it('should purge entries dead-lettered before the cut-off, replayed or not, and audit it', async () => {
    const summary = await purgeDeadLetters(deps, { olderThanMs: HOUR }, 'cli:ops');
    expect(summary).toEqual({ matched: 1, purged: 1, notReplayed: 0, taskIds: [old] });
    expect((await listDeadLetters(queues)).map((entry) => entry.taskId)).not.toContain(old);
    expect(await listDeadLetters(queues)).toHaveLength(3);
    expect(
      await database.query(
        `SELECT door, actor, task_ids, filters, matched, changed FROM operator_actions
         WHERE action = 'dlq_purge'`,
      ),
    ).toEqual([
      {
        door: 'dlq',
        actor: 'cli:ops',
        task_ids: [old],
        filters: { olderThanMs: HOUR },
        matched: 1,
        changed: 1,
      },
    ]);
    // The task itself stays in the ledger.
    expect(
      await database.query('SELECT id FROM background_tasks WHERE id = $1', [old]),
    ).toHaveLength(1);
  });
});
