import { startOwnRedisServer, type OwnRedisServer } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, waitUntilReady } from './redis-connection.js';
import { inspectRedis, judgeEviction } from './redis-health.js';

describe('inspectRedis', () => {
  let safe: OwnRedisServer;
  let evicting: OwnRedisServer;

  beforeAll(async () => {
    [safe, evicting] = await Promise.all([
      startOwnRedisServer({ args: ['--maxmemory-policy', 'noeviction', '--appendonly', 'yes'] }),
      startOwnRedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([safe.stop(), evicting.stop()]);
  });

  it('should accept noeviction with append-only persistence', async () => {
    const redis = await waitUntilReady(createRedisConnection({ url: safe.url, role: 'producer' }));
    const health = await inspectRedis(redis);
    redis.disconnect();
    expect(health).toMatchObject({
      maxmemoryPolicy: 'noeviction',
      evictionSafe: true,
      appendOnly: true,
    });
    expect(judgeEviction(health)).toEqual({ kind: 'safe' });
  });

  it('should refuse an eviction policy that deletes jobs, saying how to fix it', async () => {
    const redis = await waitUntilReady(
      createRedisConnection({ url: evicting.url, role: 'producer' }),
    );
    const health = await inspectRedis(redis);
    redis.disconnect();
    expect(health).toMatchObject({ maxmemoryPolicy: 'allkeys-lru', evictionSafe: false });
    expect(judgeEviction(health)).toEqual({
      kind: 'unsafe',
      error: expect.stringMatching(
        /^Redis maxmemory-policy is "allkeys-lru", not "noeviction": .*`CONFIG SET maxmemory-policy noeviction`.*redis\.conf/,
      ) as string,
    });
  });

  it('should only warn where INFO is refused and the policy cannot be read', async () => {
    // An ACL user without @dangerous, as some managed services hand out.
    const admin = await waitUntilReady(createRedisConnection({ url: safe.url, role: 'producer' }));
    await admin.acl('SETUSER', 'app', 'on', '>secret', '~*', '&*', '+@all', '-@dangerous');
    admin.disconnect();
    const url = new URL(safe.url);
    url.username = 'app';
    url.password = 'secret';
    const redis = await waitUntilReady(
      createRedisConnection({ url: url.toString(), role: 'producer' }),
    );
    const health = await inspectRedis(redis);
    redis.disconnect();
    expect(health.maxmemoryPolicy).toBe('unknown');
    expect(judgeEviction(health)).toMatchObject({
      kind: 'unknown',
      warning: expect.stringMatching(/INFO refused.*"noeviction"/) as string,
    });
  });
});
