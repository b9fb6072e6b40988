import type { Redis } from 'ioredis';

/** What start-up learns about the Redis it found. */
export interface RedisHealth {
  readonly version: string;
  readonly maxmemoryPolicy: string;
  /** BullMQ loses jobs when Redis evicts keys: only `noeviction` is safe. */
  readonly evictionSafe: boolean;
  readonly appendOnly: boolean;
}

function infoField(info: string, field: string): string | undefined {
  const line = info.split(/\r?\n/).find((candidate) => candidate.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}

/**
 * Reads the eviction policy and persistence from INFO, which managed Redis services allow
 * even where CONFIG GET is disabled.
 */
export async function inspectRedis(redis: Redis): Promise<RedisHealth> {
  const [server, memory, persistence] = await Promise.all([
    redis.info('server'),
    redis.info('memory'),
    redis.info('persistence'),
  ]);
  const maxmemoryPolicy = infoField(memory, 'maxmemory_policy') ?? 'unknown';
  return {
    version: infoField(server, 'redis_version') ?? 'unknown',
    maxmemoryPolicy,
    evictionSafe: maxmemoryPolicy === 'noeviction',
    appendOnly: infoField(persistence, 'aof_enabled') === '1',
  };
}

/** The loud start-up warning for an unsafe eviction policy, or undefined when it is safe. */
export function evictionWarning(health: RedisHealth): string | undefined {
  if (health.evictionSafe) return undefined;
  return (
    `Redis maxmemory-policy is "${health.maxmemoryPolicy}", not "noeviction": under memory ` +
    'pressure Redis will delete queued jobs. Set `maxmemory-policy noeviction` (see infra/redis.conf).'
  );
}
