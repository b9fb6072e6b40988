import { randomUUID } from 'node:crypto';
import { connectTestRedis, deletePrefix, uniquePrefix } from '@aiq/testing';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPayload } from './catalog.js';
import { deadLetterJobId } from './jobs/dead-letter-job.js';
import { cleanFinishedJobs, type QueueRetention } from './queue-retention.js';
import { closeQueues, createQueues, enqueue, type Queues } from './queues.js';

const retention: QueueRetention = {
  completedJobs: { ageSeconds: 600, count: 50 },
  failedJobs: { ageSeconds: 3_600, count: 60 },
  deadLetters: { ageSeconds: 86_400, count: 70 },
};

const deadLetter = (): JobPayload<'dead-letter'> & { taskId: string } => {
  const taskId = randomUUID();
  return {
    taskId,
    queue: 'generate-openai',
    payload: { messages: [{ role: 'user', content: 'Hello' }] },
    failures: [{ attempt: 1, at: Date.now(), errorCode: 'server_error', message: '500' }],
    deadLetteredAt: Date.now(),
  };
};

describe('queue retention', () => {
  const prefix = uniquePrefix('retention');
  let redis: Redis;
  let queues: Queues;
  let worker: Worker;

  beforeAll(async () => {
    redis = await connectTestRedis();
    queues = createQueues(redis, prefix, retention);
    // Stands in for the dead-letter processor: records the entry and completes it.
    worker = new Worker('dead-letter', () => Promise.resolve({ recorded: true }), {
      connection: redis.duplicate(),
      prefix,
    });
  });
  afterAll(async () => {
    await worker.close();
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('should give every job an age and a count to be kept by, dead letters included', async () => {
    const task = await enqueue(queues, 'generate-openai', {
      taskId: randomUUID(),
      userId: 'user-1',
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'Hello' }],
      deadlineAt: Date.now() + 60_000,
    });
    expect(task.opts).toMatchObject({
      removeOnComplete: { age: 600, count: 50 },
      removeOnFail: { age: 3_600, count: 60 },
    });
    const entry = deadLetter();
    const job = await enqueue(queues, 'dead-letter', entry, {
      jobId: deadLetterJobId(entry.taskId, 0),
    });
    expect(job.opts).toMatchObject({
      attempts: 1,
      removeOnComplete: { age: 86_400, count: 70 },
      removeOnFail: { age: 86_400, count: 70 },
    });
  });

  it('should remove dead letters past their age on a sweep and keep the younger ones', async () => {
    const queue = queues['dead-letter'];
    const completed = async (count: number) =>
      expect.poll(() => queue.getCompletedCount(), { timeout: 10_000, interval: 50 }).toBe(count);
    const [first, second] = [deadLetter(), deadLetter()];
    await enqueue(queues, 'dead-letter', first, { jobId: first.taskId });
    await enqueue(queues, 'dead-letter', second, { jobId: second.taskId });
    await completed(3); // with the entry of the test above
    // BullMQ judges age on finishedOn: let these two grow a second older than the next one.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const young = deadLetter();
    await enqueue(queues, 'dead-letter', young, { jobId: young.taskId });
    await completed(4);

    const removed = await cleanFinishedJobs(queues, {
      ...retention,
      deadLetters: { ageSeconds: 1, count: 70 },
    });
    expect(removed['dead-letter']).toBe(3);
    expect(await queue.getCompletedCount()).toBe(1);
    expect(await queue.getJob(young.taskId)).toBeDefined();
    expect(await queue.getJob(first.taskId)).toBeUndefined();
    // Their logs and data go with them: nothing of a removed entry is left under the prefix.
    expect(await redis.keys(`${prefix}:dead-letter:${first.taskId}*`)).toEqual([]);
  });
});
