import { startOwnRedisServer, type OwnRedisServer } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, waitUntilReady } from './redis-connection.js';
import { isRedisOutOfMemory } from './redis-out-of-memory.js';

describe('isRedisOutOfMemory', () => {
  let server: OwnRedisServer;
  beforeAll(async () => {
    server = await startOwnRedisServer({
      args: ['--maxmemory', '1', '--maxmemory-policy', 'noeviction'],
    });
  });
  afterAll(() => server.stop());

  it('should recognise the refusal of a Redis at its maxmemory, also as a cause', async () => {
    const redis = await waitUntilReady(
      createRedisConnection({ url: server.url, role: 'producer' }),
    );
    const refusal = await redis.set('key', 'value').catch((error: unknown) => error);
    redis.disconnect();
    expect(isRedisOutOfMemory(refusal)).toBe(true);
    expect(isRedisOutOfMemory(new Error('flush failed', { cause: refusal }))).toBe(true);
  });

  it('should recognise it in a discarded MULTI and inside a script', async () => {
    const redis = await waitUntilReady(
      createRedisConnection({ url: server.url, role: 'producer' }),
    );
    const transaction = await redis
      .multi()
      .set('key', 'value')
      .exec()
      .catch((error: unknown) => error);
    const script = await redis
      .eval("return redis.call('SET', KEYS[1], 'value')", 1, 'key')
      .catch((error: unknown) => error);
    redis.disconnect();
    expect((transaction as Error).message).toMatch(/^EXECABORT/);
    expect(isRedisOutOfMemory(transaction)).toBe(true);
    expect(isRedisOutOfMemory(script)).toBe(true);
  });

  it('should not take other errors for it', () => {
    // A provider's or our own message is not Redis's reply.
    expect(isRedisOutOfMemory(new Error('OOM command not allowed when used memory'))).toBe(false);
    expect(isRedisOutOfMemory(new Error('Connection is closed.'))).toBe(false);
    expect(isRedisOutOfMemory('OOM')).toBe(false);
  });
});
