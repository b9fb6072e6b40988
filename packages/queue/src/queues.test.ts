import { randomUUID } from 'node:crypto';
import { connectTestRedis, deletePrefix, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { closeQueues, createQueues, enqueue, type Queues } from './queues.js';

describe('queues', () => {
  const prefix = uniquePrefix('queue');
  let redis: Redis;
  let queues: Queues;

  beforeAll(async () => {
    redis = await connectTestRedis();
    queues = createQueues(redis, prefix);
  });
  afterAll(async () => {
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  const generateJob = () => ({
    taskId: randomUUID(),
    userId: 'user-1',
    model: 'gpt-5',
    messages: [{ role: 'user' as const, content: 'Hello' }],
    deadlineAt: Date.now() + 60_000,
  });

  it('should use the task id as job id, so a second enqueue adds nothing', async () => {
    const payload = generateJob();
    const first = await enqueue(queues, 'generate-openai', payload);
    const second = await enqueue(queues, 'generate-openai', payload);
    expect(first.id).toBe(payload.taskId);
    expect(second.id).toBe(payload.taskId);
    expect(await queues['generate-openai'].getJobCounts('wait')).toEqual({ wait: 1 });
  });

  it('should keep each queue under its own prefix', async () => {
    await enqueue(queues, 'generate-anthropic', generateJob());
    const keys = await redis.keys(`${prefix}:generate-anthropic:*`);
    expect(keys.length).toBeGreaterThan(0);
  });

  it('should refuse a payload that does not match the job schema', async () => {
    const payload = { ...generateJob(), messages: [] };
    await expect(enqueue(queues, 'generate-deepseek', payload)).rejects.toBeInstanceOf(ZodError);
    expect(await queues['generate-deepseek'].count()).toBe(0);
  });

  it('should apply defaults from the schema', async () => {
    const job = await enqueue(queues, 'generate-openai', generateJob());
    expect(job.data).toMatchObject({ fallback: true });
  });
});
