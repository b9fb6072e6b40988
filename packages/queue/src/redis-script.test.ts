import { startOwnRedisServer, type OwnRedisServer } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, waitUntilReady } from './redis-connection.js';
import { redisScript } from './redis-script.js';

/** Calls of a command since the last CONFIG RESETSTAT, from INFO commandstats. */
async function calls(redis: Redis, command: 'eval' | 'evalsha'): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

describe('redisScript', () => {
  // Its own server: SCRIPT FLUSH and RESETSTAT must not touch the shared one.
  let server: OwnRedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startOwnRedisServer();
    redis = await waitUntilReady(createRedisConnection({ url: server.url, role: 'producer' }));
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('should send the body once, then only its hash, and again after SCRIPT FLUSH', async () => {
    const add = redisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    await redis.config('RESETSTAT');

    expect(await add.run(redis, ['counter'], [2])).toBe(2);
    expect(await add.run(redis, ['counter'], [3])).toBe(5);
    expect(await add.run(redis, ['counter'], [4])).toBe(9);
    // The first call's EVALSHA met NOSCRIPT and sent the body; the next two sent the hash.
    expect(await calls(redis, 'eval')).toBe(1);
    expect(await calls(redis, 'evalsha')).toBe(3);

    await redis.script('FLUSH');
    expect(await add.run(redis, ['counter'], [1])).toBe(10);
    expect(await calls(redis, 'eval')).toBe(2);
  });

  it('should pass a script error through', async () => {
    const failing = redisScript("return redis.error_reply('ERR bad input')");
    await expect(failing.run(redis, [], [])).rejects.toThrow('bad input');
  });
});
