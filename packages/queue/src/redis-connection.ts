import { Redis, type RedisOptions } from 'ioredis';

/**
 * `worker` connections wait through Redis outages (BullMQ requires `maxRetriesPerRequest: null`
 * for blocking commands); `producer` connections fail fast so the API can answer 503 instead
 * of hanging a request.
 */
export type ConnectionRole = 'worker' | 'producer';

export interface RedisConnectionOptions {
  url: string;
  role: ConnectionRole;
  /** Shown in `CLIENT LIST`, handy when counting connections per process. */
  name?: string;
}

/** One Redis connection configured for its role. */
export function createRedisConnection({ url, role, name }: RedisConnectionOptions): Redis {
  const common: RedisOptions = {
    ...(name === undefined ? {} : { connectionName: name }),
    // Reconnect forever with a capped delay; a Redis restart must not kill the process.
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  };
  if (role === 'worker') {
    return new Redis(url, { ...common, maxRetriesPerRequest: null, enableReadyCheck: true });
  }
  return new Redis(url, {
    ...common,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
  });
}

/** Resolves once the connection is ready, or rejects after `timeoutMs` (a producer must not wait long). */
export async function waitUntilReady(redis: Redis, timeoutMs = 5_000): Promise<Redis> {
  if (redis.status === 'ready') return redis;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
  return redis;
}
