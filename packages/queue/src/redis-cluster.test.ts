import { freePort, startOwnRedisCluster, type OwnRedisCluster } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, waitUntilReady } from './redis-connection.js';
import { inspectRedis } from './redis-health.js';
import { Redis } from 'ioredis';

describe('on a Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  let deadUrl: string;
  beforeAll(async () => {
    cluster = await startOwnRedisCluster();
    // REDIS_URL's node is down when the process starts: nothing listens there.
    deadUrl = `redis://127.0.0.1:${await freePort()}`;
  }, 60_000);
  afterAll(() => cluster.stop());

  const alive = () => `127.0.0.1:${new URL(cluster.url).port}`;

  it('should connect through the next seed (REDIS_CLUSTER_NODES) while the first is down', async () => {
    const redis = await waitUntilReady(
      createRedisConnection({
        url: deadUrl,
        role: 'worker',
        cluster: true,
        clusterNodes: [alive()],
      }),
      10_000,
    );
    try {
      // Keys in every master's slots: the client learnt the whole cluster from the live seed.
      for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) await redis.set(`seeds:${key}`, key);
      expect(await redis.get('seeds:e')).toBe('e');
    } finally {
      await redis.quit();
    }
  });

  it('should not connect with only the dead seed', async () => {
    const redis = createRedisConnection({ url: deadUrl, role: 'worker', cluster: true });
    redis.on('error', () => undefined);
    try {
      await expect(waitUntilReady(redis, 2_000)).rejects.toThrow('did not become ready');
    } finally {
      redis.disconnect();
    }
  });

  it('should judge eviction by every master, not the one INFO happened to reach', async () => {
    const redis = await waitUntilReady(
      createRedisConnection({ url: cluster.url, role: 'worker', cluster: true }),
      10_000,
    );
    const masterPorts = (
      redis as unknown as { nodes(role: 'master'): { options: { port: number } }[] }
    )
      .nodes('master')
      .map((node) => node.options.port);
    expect(masterPorts).toHaveLength(3);
    try {
      expect(await inspectRedis(redis)).toMatchObject({ maxmemoryPolicy: 'noeviction' });
      // One master of three set to evict: the cluster is unsafe, whichever node answers.
      const one = new Redis(masterPorts[2] ?? 0, '127.0.0.1');
      await one.config('SET', 'maxmemory-policy', 'allkeys-lru');
      try {
        expect(await inspectRedis(redis)).toMatchObject({
          maxmemoryPolicy: 'allkeys-lru',
          evictionSafe: false,
        });
      } finally {
        await one.config('SET', 'maxmemory-policy', 'noeviction');
        await one.quit();
      }
    } finally {
      await redis.quit();
    }
  });
});
