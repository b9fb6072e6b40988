import { startOwnRedisServer, type OwnRedisServer } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, waitUntilReady } from './redis-connection.js';
import { evictionWarning, inspectRedis } from './redis-health.js';

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
    expect(evictionWarning(health)).toBeUndefined();
  });

  it('should warn loudly about an eviction policy that deletes jobs', async () => {
    const redis = await waitUntilReady(
      createRedisConnection({ url: evicting.url, role: 'producer' }),
    );
    const health = await inspectRedis(redis);
    redis.disconnect();
    expect(health).toMatchObject({ maxmemoryPolicy: 'allkeys-lru', evictionSafe: false });
    expect(evictionWarning(health)).toMatch(/allkeys-lru.*noeviction/);
  });
});
