import { setTimeout as sleep } from 'node:timers/promises';
import { connectTestRedis, deletePrefix, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenBudgetKeys } from './budget-keys.js';
import { reserveTokens, settleTokens, type TokenBudget } from './token-budget.js';

describe('token budget (sliding log on Redis)', () => {
  let redis: Redis;
  const prefix = uniquePrefix('budget');
  let budgets = 0;
  /** A fresh budget per test: its own provider key name under the test's prefix. */
  const newBudget = (tokens: number, windowMs: number): TokenBudget => {
    budgets += 1;
    return { prefix, provider: 'openai', apiKey: `sk-test-${budgets}`, tokens, windowMs };
  };
  beforeAll(async () => {
    redis = await connectTestRedis();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('should reserve while the budget has room, release the difference on settle, and never store the key', async () => {
    const budget = newBudget(1_000, 60_000);
    const lease = { leaseMs: 10_000 };
    expect(await reserveTokens(redis, budget, { id: 'a', tokens: 400, ...lease })).toEqual({
      granted: true,
      id: 'a',
      tokens: 400,
    });
    expect(await reserveTokens(redis, budget, { id: 'b', tokens: 500, ...lease })).toMatchObject({
      granted: true,
    });
    const refused = await reserveTokens(redis, budget, { id: 'c', tokens: 200, ...lease });
    expect(refused.granted).toBe(false);
    // `a` used 100 of its 400: 300 go back, and 100 + 500 + 200 fits.
    await settleTokens(redis, budget, 'a', 100);
    expect(await reserveTokens(redis, budget, { id: 'c', tokens: 200, ...lease })).toMatchObject({
      granted: true,
    });
    // Released entirely (no request was made): 100 + 500 + 0 + 400 fits.
    await settleTokens(redis, budget, 'c', 0);
    expect(await reserveTokens(redis, budget, { id: 'd', tokens: 400, ...lease })).toMatchObject({
      granted: true,
    });
    const { log, amounts } = tokenBudgetKeys(budget);
    expect(log).toMatch(/^aiq-budget-[\w-]+:budget:tokens:openai:[0-9a-f]{12}:log$/);
    expect(log).not.toContain(budget.apiKey);
    expect(await redis.hgetall(amounts)).toEqual({ a: '100', b: '500', d: '400' });
  });

  it('should say how long until enough settled tokens leave the window, and grant once they have', async () => {
    const budget = newBudget(1_000, 600);
    await reserveTokens(redis, budget, { id: 'old', tokens: 300, leaseMs: 5_000 });
    await settleTokens(redis, budget, 'old', 300);
    await sleep(200);
    await reserveTokens(redis, budget, { id: 'new', tokens: 600, leaseMs: 5_000 });
    await settleTokens(redis, budget, 'new', 600);
    // 900 used; 500 more needs `old` (300) and `new` (600) gone: `new` frees last, ~600 ms.
    const big = await reserveTokens(redis, budget, { id: 'big', tokens: 500, leaseMs: 5_000 });
    expect(big.granted).toBe(false);
    const bigWait = big.granted ? 0 : big.waitMs;
    expect(bigWait).toBeGreaterThan(500);
    expect(bigWait).toBeLessThanOrEqual(600);
    // 200 more needs only `old` gone: ~400 ms (600 after it settled, 200 of them passed).
    const small = await reserveTokens(redis, budget, { id: 'small', tokens: 200, leaseMs: 5_000 });
    const smallWait = small.granted ? 0 : small.waitMs;
    expect(smallWait).toBeGreaterThan(300);
    expect(smallWait).toBeLessThanOrEqual(400);
    await sleep(smallWait);
    expect(
      await reserveTokens(redis, budget, { id: 'small', tokens: 200, leaseMs: 5_000 }),
    ).toMatchObject({ granted: true });
  });

  it('should count a running call until one window after it settles, not after it reserved', async () => {
    const budget = newBudget(1_000, 300);
    await reserveTokens(redis, budget, { id: 'long', tokens: 1_000, leaseMs: 5_000 });
    await sleep(400); // longer than the window: a log keyed by reservation time would forget it
    const during = await reserveTokens(redis, budget, { id: 'next', tokens: 1, leaseMs: 5_000 });
    expect(during).toMatchObject({ granted: false });
    // A running call frees no earlier than a window from now.
    expect(during.granted ? 0 : during.waitMs).toBe(300);
    await settleTokens(redis, budget, 'long', 1_000);
    await sleep(150);
    expect(
      await reserveTokens(redis, budget, { id: 'next', tokens: 1, leaseMs: 5_000 }),
    ).toMatchObject({ granted: false });
    await sleep(200);
    expect(
      await reserveTokens(redis, budget, { id: 'next', tokens: 1, leaseMs: 5_000 }),
    ).toMatchObject({ granted: true });
  });

  it('should free a reservation nobody settled one window after its lease (its worker died)', async () => {
    const budget = newBudget(100, 200);
    await reserveTokens(redis, budget, { id: 'orphan', tokens: 100, leaseMs: 100 });
    await sleep(150);
    expect(
      await reserveTokens(redis, budget, { id: 'x', tokens: 100, leaseMs: 100 }),
    ).toMatchObject({ granted: false });
    await sleep(200);
    expect(
      await reserveTokens(redis, budget, { id: 'x', tokens: 100, leaseMs: 100 }),
    ).toMatchObject({ granted: true });
  });

  it('should cap a reservation larger than the whole budget to the budget, granted only alone', async () => {
    const budget = newBudget(1_000, 60_000);
    expect(
      await reserveTokens(redis, budget, { id: 'huge', tokens: 50_000, leaseMs: 1_000 }),
    ).toEqual({ granted: true, id: 'huge', tokens: 1_000 });
    expect(
      await reserveTokens(redis, budget, { id: 'huge-2', tokens: 50_000, leaseMs: 1_000 }),
    ).toMatchObject({ granted: false });
  });

  it('should grant concurrent reservers from separate connections exactly what fits', async () => {
    const budget = newBudget(1_000, 60_000);
    const connections = await Promise.all(Array.from({ length: 4 }, () => connectTestRedis()));
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          reserveTokens(connections[index % 4] ?? redis, budget, {
            id: `r${index}`,
            tokens: 100,
            leaseMs: 10_000,
          }),
        ),
      );
      expect(results.filter((result) => result.granted)).toHaveLength(10);
    } finally {
      await Promise.all(connections.map((connection) => connection.quit()));
    }
  });

  it('should keep every sliding window at or under the budget while four reservers race across window boundaries', async () => {
    const windowMs = 300;
    const budget = newBudget(500, windowMs);
    const connections = await Promise.all(Array.from({ length: 4 }, () => connectTestRedis()));
    // Each "call" is charged at a moment between its reservation and its settle, as a provider's is.
    const charges: { at: number; tokens: number }[] = [];
    const endAt = Date.now() + windowMs * 5;
    try {
      await Promise.all(
        connections.map(async (connection, worker) => {
          for (let call = 0; Date.now() < endAt; call += 1) {
            const tokens = 40 + ((worker * 37 + call * 11) % 60);
            const id = `w${worker}-${call}`;
            const reservation = await reserveTokens(connection, budget, {
              id,
              tokens,
              leaseMs: 5_000,
            });
            if (!reservation.granted) {
              await sleep(Math.min(reservation.waitMs, 20));
              continue;
            }
            charges.push({ at: Date.now(), tokens });
            await settleTokens(connection, budget, id, tokens);
          }
        }),
      );
    } finally {
      await Promise.all(connections.map((connection) => connection.quit()));
    }
    let peak = 0;
    for (const start of charges) {
      const inWindow = charges
        .filter((charge) => charge.at >= start.at && charge.at < start.at + windowMs)
        .reduce((sum, charge) => sum + charge.tokens, 0);
      peak = Math.max(peak, inWindow);
    }
    const total = charges.reduce((sum, charge) => sum + charge.tokens, 0);
    expect(peak).toBeLessThanOrEqual(500);
    // Not vacuous: the racers used the budget (a fixed window would have let 2x through here).
    expect(peak).toBeGreaterThan(400);
    expect(total).toBeGreaterThan(500 * 3);
  });
});
