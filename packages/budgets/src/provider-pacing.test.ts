import { setTimeout as sleep } from 'node:timers/promises';
import { connectTestRedis, deletePrefix, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pacingKey, type ProviderKeyRef } from './budget-keys.js';
import { recordRateLimits, takePacingSlot, type PacingNeed } from './provider-pacing.js';

const ONE_CALL: PacingNeed = { requests: 1, tokens: 200, inputTokens: 50, outputTokens: 150 };

describe('provider pacing from reported rate limits', () => {
  let redis: Redis;
  const prefix = uniquePrefix('pacing');
  let keys = 0;
  const newRef = (): ProviderKeyRef => {
    keys += 1;
    return { prefix, provider: 'anthropic', apiKey: `key-${keys}` };
  };
  beforeAll(async () => {
    redis = await connectTestRedis();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('should let calls through when nothing was reported or plenty remains, counting them down', async () => {
    const ref = newRef();
    expect(await takePacingSlot(redis, ref, ONE_CALL, 0.1)).toBe(0);
    await recordRateLimits(redis, ref, {
      requests: { limit: 50, remaining: 40, resetMs: 5_000 },
      tokens: { limit: 90_000, remaining: 80_000, resetMs: 5_000 },
    });
    expect(await takePacingSlot(redis, ref, ONE_CALL, 0.1)).toBe(0);
    expect(await takePacingSlot(redis, ref, ONE_CALL, 0.1)).toBe(0);
    const stored = await redis.hgetall(pacingKey(ref));
    expect(stored).toMatchObject({ 'requests:remaining': '38', 'tokens:remaining': '79600' });
  });

  it('should wait for the reset when no requests remain', async () => {
    const ref = newRef();
    await recordRateLimits(redis, ref, { requests: { limit: 50, remaining: 0, resetMs: 400 } });
    const wait = await takePacingSlot(redis, ref, ONE_CALL, 0.1);
    expect(wait).toBeGreaterThan(300);
    expect(wait).toBeLessThanOrEqual(400);
    await sleep(wait);
    expect(await takePacingSlot(redis, ref, ONE_CALL, 0.1)).toBe(0);
  });

  it('should wait for the reset when the remaining tokens cannot cover the call', async () => {
    const ref = newRef();
    await recordRateLimits(redis, ref, {
      requests: { limit: 50, remaining: 49, resetMs: 1_000 },
      tokens: { limit: 90_000, remaining: 150, resetMs: 700 },
    });
    const wait = await takePacingSlot(redis, ref, ONE_CALL, 0);
    expect(wait).toBeGreaterThan(600);
    expect(wait).toBeLessThanOrEqual(700);
  });

  it('should space calls out over the time to reset when under the threshold', async () => {
    const ref = newRef();
    // 3 of 100 left for 900 ms, under 10 %: one call every 300 ms.
    await recordRateLimits(redis, ref, { requests: { limit: 100, remaining: 3, resetMs: 900 } });
    expect(await takePacingSlot(redis, ref, ONE_CALL, 0.1)).toBe(0);
    const wait = await takePacingSlot(redis, ref, ONE_CALL, 0.1);
    expect(wait).toBeGreaterThan(200);
    expect(wait).toBeLessThanOrEqual(300);
    // With no threshold the same report lets the calls go until the count is spent.
    const unpaced = newRef();
    await recordRateLimits(redis, unpaced, {
      requests: { limit: 100, remaining: 2, resetMs: 900 },
    });
    expect(await takePacingSlot(redis, unpaced, ONE_CALL, 0)).toBe(0);
    expect(await takePacingSlot(redis, unpaced, ONE_CALL, 0)).toBe(0);
    expect(await takePacingSlot(redis, unpaced, ONE_CALL, 0)).toBeGreaterThan(800);
  });

  it('should ignore a report whose reset has passed', async () => {
    const ref = newRef();
    await recordRateLimits(redis, ref, { requests: { limit: 50, remaining: 0, resetMs: 0 } });
    expect(await takePacingSlot(redis, ref, ONE_CALL, 0.1)).toBe(0);
  });
});
