import type { Database } from '@aiq/db';
import { readTaskEvents, type TaskEventPublisher } from '@aiq/events';
import { startOwnRedisServer, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { createQueues, createRedisConnection, waitUntilReady, type Queues } from '@aiq/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelKey, cancelTask } from './cancellation.js';
import { submitTask } from './submit-task.js';
import { UnknownTaskTypeError } from './task-catalog.js';
import { openTaskTestDeps, type TaskTestDeps } from './testing/open-task-test-deps.js';

describe('submitTask and cancelTask', () => {
  let deps: TaskTestDeps;
  let prefix: string;
  let config: TaskTestDeps['config'];
  let redis: Redis;
  let database: Database;
  let queues: Queues;
  let events: TaskEventPublisher;
  beforeAll(async () => {
    deps = await openTaskTestDeps('submit', { env: { RETRY_ATTEMPTS: '4' } });
    ({ prefix, config, redis, database, queues, events } = deps);
  });
  afterAll(() => deps.close());

  const generation = {
    kind: 'generation' as const,
    userId: 'user-1',
    model: 'claude-sonnet-4.5',
    messages: [{ role: 'user' as const, content: 'Hello' }],
  };

  it('should write the pending row, then enqueue on the model provider queue with job id = task id', async () => {
    const task = await submitTask(deps, generation);
    expect(task).toMatchObject({ type: 'ai_generation', queue: 'generate-anthropic' });
    const [row] = await database.query<{ status: string; type: string }>(
      'SELECT status, type FROM background_tasks WHERE id = $1',
      [task.taskId],
    );
    expect(row).toEqual({ status: 'pending', type: 'ai_generation' });
    const job = await queues['generate-anthropic'].getJob(task.taskId);
    expect(job?.opts).toMatchObject({ attempts: 4, backoff: { type: 'aiq-full-jitter' } });
    expect(job?.data).toMatchObject({
      model: 'claude-sonnet-4.5',
      fallback: true,
      triedModels: [],
    });
    const events = await readTaskEvents(redis, prefix, task.taskId);
    expect(events).toMatchObject([{ sequence: 1, type: 'queued', queue: 'generate-anthropic' }]);
  });

  it('should return the first task for a repeated idempotency key', async () => {
    const first = await submitTask(deps, { ...generation, idempotencyKey: 'key-1' });
    const second = await submitTask(deps, { ...generation, idempotencyKey: 'key-1' });
    expect(second).toMatchObject({ taskId: first.taskId, existing: true });
  });

  it('should give an idempotency key a new task once the first is older than 24 hours', async () => {
    const first = await submitTask(deps, { ...generation, idempotencyKey: 'key-24h' });
    const age = (interval: string) =>
      database.query(
        `UPDATE background_tasks SET created_at = now() - interval '${interval}' WHERE id = $1`,
        [first.taskId],
      );
    await age('23 hours 59 minutes');
    expect(await submitTask(deps, { ...generation, idempotencyKey: 'key-24h' })).toMatchObject({
      taskId: first.taskId,
      existing: true,
    });
    await age('24 hours 1 minute');
    const second = await submitTask(deps, { ...generation, idempotencyKey: 'key-24h' });
    expect(second.existing).toBe(false);
    expect(second.taskId).not.toBe(first.taskId);
    // Another user's identical key never returns this user's task.
    const other = await submitTask(deps, {
      ...generation,
      userId: 'user-2',
      idempotencyKey: 'key-24h',
    });
    expect(other.taskId).not.toBe(second.taskId);
  });

  it('should refuse a prompt over the window or an output over the limit, writing nothing', async () => {
    const count = async () =>
      Number(
        (await database.query<{ n: string }>('SELECT count(*) AS n FROM background_tasks'))[0]?.n,
      );
    const before = await count();
    const refusals = [
      {
        model: 'deepseek-chat',
        messages: [{ role: 'user' as const, content: 'word '.repeat(70_000) }],
      },
      { model: 'deepseek-chat', messages: generation.messages, maxTokens: 100_000 },
    ];
    for (const refused of refusals) {
      await expect(submitTask(deps, { ...generation, ...refused })).rejects.toMatchObject({
        kind: refused.maxTokens === undefined ? 'token_limit_exceeded' : 'invalid_request',
      });
    }
    expect(await count()).toBe(before);
  });

  it('should mark a task failed when its job could not be enqueued, so it never runs later', async () => {
    const own = await startOwnRedisServer();
    const producer = await waitUntilReady(
      createRedisConnection({ url: own.url, role: 'producer' }),
    );
    producer.on('error', () => undefined);
    const ownQueues = createQueues(producer, uniquePrefix('down'));
    await own.kill(); // Redis goes away between the ledger write and the enqueue
    await expect(
      submitTask({ database, registry: deps.registry, config, queues: ownQueues }, generation),
    ).rejects.toThrow();
    producer.disconnect();
    await own.stop();
    const [row] = await database.query<{ status: string; error_code: string }>(
      'SELECT status, error_code FROM background_tasks ORDER BY created_at DESC LIMIT 1',
    );
    expect(row).toEqual({ status: 'failed', error_code: 'not_enqueued' });
  });

  it('should accept a task whose job is enqueued even when its `queued` event was refused', async () => {
    // Redis refused the event (at its maxmemory a moment ago, say) but took the job: the task
    // runs, so the caller must hear 2xx, not a 503 that makes it submit twice.
    const refusing: TaskEventPublisher = {
      publish: () => Promise.reject(new Error('OOM command not allowed')),
      claim: () => Promise.resolve(1),
    };
    const { taskId } = await submitTask({ ...deps, events: refusing }, generation);
    expect(await queues['generate-anthropic'].getJobState(taskId)).toBe('waiting');
    const [row] = await database.query<{ status: string }>(
      'SELECT status FROM background_tasks WHERE id = $1',
      [taskId],
    );
    expect(row).toEqual({ status: 'pending' });
  });

  it('should let the retry a client was told to make (503) use its Idempotency-Key again', async () => {
    const own = await startOwnRedisServer();
    const producer = await waitUntilReady(
      createRedisConnection({ url: own.url, role: 'producer' }),
    );
    producer.on('error', () => undefined);
    const ownQueues = createQueues(producer, uniquePrefix('down'));
    await own.kill();
    const submission = { ...generation, idempotencyKey: 'retry-after-503' };
    await expect(
      submitTask({ database, registry: deps.registry, config, queues: ownQueues }, submission),
    ).rejects.toThrow();
    producer.disconnect();
    await own.stop();
    // Redis is back: the same key makes a task that is enqueued, not the one that never was.
    const again = await submitTask(deps, submission);
    expect(again.existing).toBe(false);
    expect(await queues['generate-anthropic'].getJob(again.taskId)).toBeDefined();
    const rows = await database.query<{ status: string; idempotency_key: string | null }>(
      `SELECT status, idempotency_key FROM background_tasks
       WHERE user_id = $1 AND (idempotency_key = $2 OR error_code = 'not_enqueued')
       ORDER BY created_at`,
      [generation.userId, 'retry-after-503'],
    );
    expect(rows.at(-1)).toEqual({ status: 'pending', idempotency_key: 'retry-after-503' });
    expect(rows.filter((row) => row.idempotency_key === 'retry-after-503')).toHaveLength(1);
    // A repeat now returns the enqueued task.
    expect(await submitTask(deps, submission)).toMatchObject({
      taskId: again.taskId,
      existing: true,
    });
  });

  it('should refuse an unknown task type and bad input before writing anything', async () => {
    const before = await database.query('SELECT id FROM background_tasks');
    await expect(
      submitTask(deps, { kind: 'background', userId: 'u', type: 'ai_nope', input: {} }),
    ).rejects.toThrow(UnknownTaskTypeError);
    await expect(
      submitTask(deps, { kind: 'background', userId: 'u', type: 'ai_analyze_document', input: {} }),
    ).rejects.toThrow(/document/);
    await expect(submitTask(deps, { ...generation, model: 'gpt-0' })).rejects.toThrow(
      /Unknown model/,
    );
    expect(await database.query('SELECT id FROM background_tasks')).toEqual(before);
  });

  it('should cancel a waiting task: job removed, row cancelled, event published, once', async () => {
    const task = await submitTask(deps, {
      kind: 'background',
      userId: 'user-1',
      type: 'ai_analyze_document',
      input: { model: 'gpt-5', document: 'Long text.' },
    });
    const cancelDeps = { database, queues, redis, prefix, events };
    expect(await cancelTask(cancelDeps, task.taskId)).toEqual({ cancelled: true });
    expect(await queues['background-task'].getJob(task.taskId)).toBeUndefined();
    expect(await redis.exists(cancelKey(prefix, task.taskId))).toBe(1);
    const [row] = await database.query<{ status: string }>(
      'SELECT status FROM background_tasks WHERE id = $1',
      [task.taskId],
    );
    expect(row?.status).toBe('cancelled');
    expect((await readTaskEvents(redis, prefix, task.taskId)).map((event) => event.type)).toEqual([
      'queued',
      'cancelled',
    ]);
    expect(await cancelTask(cancelDeps, task.taskId)).toEqual({ cancelled: false });
  });
});
