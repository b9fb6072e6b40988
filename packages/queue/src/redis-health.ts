import { Cluster, type Redis } from 'ioredis';

/** What start-up learns about the Redis it found. */
export interface RedisHealth {
  readonly version: string;
  /** `unknown` where INFO is not allowed (an ACL without `@dangerous`, some managed services). */
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
 * even where CONFIG GET is disabled. A Redis that refuses INFO too is reported as `unknown`.
 * On a Redis Cluster every master is asked (INFO goes to one node), and the worst answer is
 * the cluster's: one master left on `allkeys-lru` can evict the jobs in its slots.
 */
export async function inspectRedis(redis: Redis): Promise<RedisHealth> {
  const connection: unknown = redis;
  if (!(connection instanceof Cluster)) return inspectNode(redis);
  const masters = await Promise.all(connection.nodes('master').map(inspectNode));
  const unsafe = masters.find((node) => !node.evictionSafe && node.maxmemoryPolicy !== 'unknown');
  const worst = unsafe ?? masters.find((node) => node.maxmemoryPolicy === 'unknown') ?? masters[0];
  if (worst === undefined) throw new Error('Redis Cluster: no master node is known yet');
  return { ...worst, appendOnly: masters.every((node) => node.appendOnly) };
}

async function inspectNode(redis: Redis): Promise<RedisHealth> {
  let server = '';
  let memory = '';
  let persistence = '';
  try {
    [server, memory, persistence] = await Promise.all([
      redis.info('server'),
      redis.info('memory'),
      redis.info('persistence'),
    ]);
  } catch (error) {
    // Refused (NOPERM, a renamed command), not unreachable: there is nothing to read.
    if (!(error instanceof Error && error.name === 'ReplyError')) throw error;
  }
  const maxmemoryPolicy = infoField(memory, 'maxmemory_policy') ?? 'unknown';
  return {
    version: infoField(server, 'redis_version') ?? 'unknown',
    maxmemoryPolicy,
    evictionSafe: maxmemoryPolicy === 'noeviction',
    appendOnly: infoField(persistence, 'aof_enabled') === '1',
  };
}

/**
 * Whether start-up may go on with this Redis: `noeviction` is safe; any other policy deletes
 * queued jobs under memory pressure, so start-up refuses it (`error`, one line saying how to fix
 * it); a policy that cannot be read is a loud `warning`, since it cannot be checked.
 */
export type EvictionVerdict =
  | { readonly kind: 'safe' }
  | { readonly kind: 'unknown'; readonly warning: string }
  | { readonly kind: 'unsafe'; readonly error: string };

export function judgeEviction(health: RedisHealth): EvictionVerdict {
  if (health.evictionSafe) return { kind: 'safe' };
  if (health.maxmemoryPolicy === 'unknown') {
    return {
      kind: 'unknown',
      warning:
        'Redis does not say its maxmemory-policy (INFO refused): make sure it is "noeviction", or ' +
        'under memory pressure Redis will delete queued jobs (see infra/redis.conf).',
    };
  }
  return {
    kind: 'unsafe',
    error:
      `Redis maxmemory-policy is "${health.maxmemoryPolicy}", not "noeviction": under memory ` +
      'pressure Redis would delete queued jobs. Run `CONFIG SET maxmemory-policy noeviction` ' +
      "(and set `maxmemory-policy noeviction` in redis.conf, or the managed service's parameters), then start again.",
  };
}

/**
 * Start-up's answer to a verdict: a policy that cannot be read is a loud warning; an evicting
 * Redis closes `redis` and throws the verdict's one-line error, so the process does not start.
 */
export function enforceEviction(
  verdict: EvictionVerdict,
  redis: Redis,
  warn: (message: string) => void,
): void {
  if (verdict.kind === 'unknown') warn(verdict.warning);
  if (verdict.kind === 'unsafe') {
    redis.disconnect();
    throw new Error(verdict.error);
  }
}
