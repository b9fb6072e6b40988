import { describe, expect, it } from 'vitest';
import { ttlCache } from './ttl-cache.js';

describe('ttlCache', () => {
  const counting = (fail = false) => {
    let loads = 0;
    const load = () => {
      loads += 1;
      return fail && loads === 1 ? Promise.reject(new Error('down')) : Promise.resolve(loads);
    };
    return { load, loads: () => loads };
  };

  it('should load once per time to live, however many callers ask at once', async () => {
    let now = 0;
    const { load, loads } = counting();
    const cache = ttlCache(load, 5_000, () => now);
    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual([1, 1, 1]);
    now = 4_999;
    expect(await cache.get()).toBe(1);
    now = 5_000;
    expect(await cache.get()).toBe(2);
    expect(loads()).toBe(2);
  });

  it('should load afresh after invalidate, and not keep a failed load', async () => {
    const { load } = counting(true);
    const cache = ttlCache(load, 5_000, () => 0);
    await expect(cache.get()).rejects.toThrow('down');
    expect(await cache.get()).toBe(2);
    cache.invalidate();
    expect(await cache.get()).toBe(3);
  });
});
