import { setTimeout as sleep } from 'node:timers/promises';
import { connectTestRedis, deletePrefix, uniquePrefix } from '@aiq/testing';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limiterKey, takeProviderSlot } from './provider-limiter.js';

// Guards the assumption in provider-limiter.ts: our script and BullMQ's limiter share one
// counter, `queue.keys.limiter`, with the same semantics. A BullMQ upgrade that changes the
// key's name or meaning fails here rather than silently doubling a provider's budget.
describe('takeProviderSlot', () => {
  let redis: Redis;
  const prefix = uniquePrefix('limiter');
  beforeAll(async () => {
    redis = await connectTestRedis();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it("should share its counter with a BullMQ worker's limiter, both ways", async () => {
    const limiter = { max: 3, duration: 60_000 };
    const queue = new Queue('shared', { connection: redis, prefix });
    const events = new QueueEvents('shared', { connection: redis.duplicate(), prefix });
    const worker = new Worker('shared', () => Promise.resolve('done'), {
      connection: redis,
      prefix,
      limiter,
    });
    try {
      await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
      const started = await queue.addBulk([
        { name: 'job', data: {} },
        { name: 'job', data: {} },
      ]);
      await Promise.all(started.map((job) => job.waitUntilFinished(events, 5_000)));

      // The worker's two job starts count against our budget: one slot of three is left.
      expect(await takeProviderSlot(redis, queue, limiter)).toBe(0);
      const waitMs = await takeProviderSlot(redis, queue, limiter);
      expect(waitMs).toBeGreaterThan(50_000);
      expect(waitMs).toBeLessThanOrEqual(60_000);
      expect(await redis.get(limiterKey(queue))).toBe('3');

      // And our take counts against the worker: BullMQ's own check sees the budget spent…
      expect(await queue.getRateLimitTtl(limiter.max)).toBeGreaterThan(50_000);
      // …and a new job waits.
      const held = await queue.add('job', {});
      await sleep(500);
      expect(await held.getState()).toBe('waiting');
    } finally {
      await worker.close(true);
      await events.close();
      await queue.close();
    }
  });

  it('should open the window on the first take only', async () => {
    const limiter = { max: 10, duration: 5_000 };
    const queue = new Queue('window', { connection: redis, prefix });
    try {
      expect(await takeProviderSlot(redis, queue, limiter)).toBe(0);
      const firstTtl = await redis.pttl(limiterKey(queue));
      expect(firstTtl).toBeGreaterThan(4_000);
      expect(firstTtl).toBeLessThanOrEqual(5_000);
      await sleep(50);
      expect(await takeProviderSlot(redis, queue, limiter)).toBe(0);
      expect(await redis.pttl(limiterKey(queue))).toBeLessThan(firstTtl);
      expect(await redis.get(limiterKey(queue))).toBe('2');
    } finally {
      await queue.close();
    }
  });

  it('should wait out a queue.rateLimit hold without taking anything', async () => {
    const limiter = { max: 1_000_000, duration: 60_000 };
    const queue = new Queue('held', { connection: redis, prefix });
    try {
      await queue.rateLimit(1_500);
      const waitMs = await takeProviderSlot(redis, queue, limiter);
      expect(waitMs).toBeGreaterThan(1_000);
      expect(waitMs).toBeLessThanOrEqual(1_500);
      expect(await redis.get(limiterKey(queue))).toBe(String(Number.MAX_SAFE_INTEGER));
    } finally {
      await queue.close();
    }
  });
});
