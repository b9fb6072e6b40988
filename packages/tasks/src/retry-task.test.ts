import type { Database } from '@aiq/db';
import { readTaskEvents } from '@aiq/events';
import { createQueues, createRedisConnection, waitUntilReady, type Queues } from '@aiq/queue';
import { startOwnRedisServer, uniquePrefix } from '@aiq/testing';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeReopenedTask, retryTask } from './retry-task.js';
import { submitTask } from './submit-task.js';
import { openTaskTestDeps, type TaskTestDeps } from './testing/open-task-test-deps.js';

describe('retryTask', () => {
  let deps: TaskTestDeps;
  let redis: Redis;
  let database: Database;
  let queues: Queues;
  let prefix: string;
  beforeAll(async () => {
    deps = await openTaskTestDeps('retry');
    ({ redis, database, queues, prefix } = deps);
  });
  afterAll(() => deps.close());

  const actor = { door: 'api', by: 'alice' } as const;

  async function failedTask(): Promise<string> {
    const { taskId } = await submitTask(deps, {
      kind: 'generation',
      userId: 'alice',
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    await database.query(
      "UPDATE background_tasks SET status = 'failed', error_code = 'auth', error_message = 'bad key' WHERE id = $1",
      [taskId],
    );
    return taskId;
  }

  async function row(taskId: string) {
    const [task] = await database.query(
      'SELECT status, retry_count, error_code, error_message FROM background_tasks WHERE id = $1',
      [taskId],
    );
    return task;
  }

  it('should leave a task as it was while its old job is still locked by a worker', async () => {
    const taskId = await failedTask();
    // A worker holds the job: it is reporting the end of the run right now.
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker('generate-openai', null, { connection, prefix, autorun: false });
    const job = await worker.getNextJob('held');
    expect(job?.id).toBe(taskId);

    expect(await retryTask(deps, taskId, actor)).toEqual({
      taskId,
      result: 'open',
      status: 'processing',
    });
    expect(await row(taskId)).toEqual({
      status: 'failed',
      retry_count: 0,
      error_code: 'auth',
      error_message: 'bad key',
    });
    expect((await readTaskEvents(redis, prefix, taskId)).map((event) => event.type)).toEqual([
      'queued',
    ]);

    // Once the worker has let go, the same retry goes through.
    await job?.moveToFailed(new UnrecoverableError('auth: bad key'), 'held', false);
    await worker.close();
    await connection.quit();
    expect(await retryTask(deps, taskId, actor)).toMatchObject({
      result: 'retried',
      retryCount: 1,
    });
    expect(await row(taskId)).toMatchObject({
      status: 'pending',
      retry_count: 1,
      error_code: null,
    });
    expect((await queues['generate-openai'].getJob(taskId))?.data).toMatchObject({ retry: 1 });
  });

  it('should put the task back as it was when Redis goes away before its new job is added', async () => {
    const taskId = await failedTask();
    const own = await startOwnRedisServer();
    const producer = await waitUntilReady(
      createRedisConnection({ url: own.url, role: 'producer' }),
    );
    producer.on('error', () => undefined);
    const ownQueues = createQueues(producer, uniquePrefix('down'));
    await own.kill();
    await expect(retryTask({ ...deps, queues: ownQueues }, taskId, actor)).rejects.toThrow();
    producer.disconnect();
    await own.stop();
    expect(await row(taskId)).toEqual({
      status: 'failed',
      retry_count: 0,
      error_code: 'auth',
      error_message: 'bad key',
    });
  });

  it("should keep the new run's job that the reconciler queued while this retry was held up", async () => {
    const taskId = await failedTask();
    const queue = queues['generate-openai'];
    const previousJob = await queue.getJob(taskId);
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker('generate-openai', null, { connection, prefix, autorun: false });
    // The retry has reopened the row but is held up (a pause past the reconciler's grace)
    // before it replaces the jobs: meanwhile the reconciler queues the new run from the row,
    // and a worker takes it.
    let heldUp = false;
    const interleave = async () => {
      if (heldUp || previousJob === undefined) return;
      heldUp = true;
      expect(await resumeReopenedTask(deps, taskId, previousJob)).toBe(true);
      // Earlier tests' retried jobs wait ahead of it in the queue.
      for (let taken = 0; taken < 10; taken += 1) {
        const job = await worker.getNextJob('new-run');
        if (job?.id === taskId) return expect(job.data).toMatchObject({ retry: 1 });
      }
      throw new Error('the worker never took the new run');
    };
    const slowQueue = new Proxy(queue, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if ((property !== 'getJob' && property !== 'remove') || typeof value !== 'function') {
          return value;
        }
        return async (...args: unknown[]) => {
          await interleave();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });

    const outcome = await retryTask(
      { ...deps, queues: { ...queues, 'generate-openai': slowQueue } },
      taskId,
      actor,
    );
    expect(heldUp).toBe(true);
    expect(outcome).toMatchObject({ result: 'retried', retryCount: 1 });
    // One run, still the reconciler's job in the worker's hands: not removed, not put back.
    expect(await row(taskId)).toMatchObject({ status: 'pending', retry_count: 1 });
    expect(await queue.getJobState(taskId)).toBe('active');
    const types = (await readTaskEvents(redis, prefix, taskId)).map((event) => event.type);
    expect(types.filter((type) => type === 'retried')).toHaveLength(1);
    await worker.close(true);
    await connection.quit();
  });
});
