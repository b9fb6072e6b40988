import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { testServices } from './services.js';

/** A BullMQ prefix no other test file shares, so files run in parallel on one Redis. */
export function uniquePrefix(label = 'test'): string {
  return `aiq-${label}-${randomUUID().slice(0, 8)}`;
}

/** A Redis connection to the test server. Close it with `quit()`. */
export async function connectTestRedis(): Promise<Redis> {
  const { redisUrl } = await testServices();
  return new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Deletes every key under a prefix, the only cleanup a test may do on the shared Redis. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
