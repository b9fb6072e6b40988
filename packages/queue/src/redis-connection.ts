import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * `worker` connections wait through Redis outages (BullMQ requires `maxRetriesPerRequest: null`
 * for blocking commands); `producer` connections fail fast so the API can answer 503 instead
 * of hanging a request.
 */
export type ConnectionRole = 'worker' | 'producer';

/** Where and how to connect: `Config.redis` (REDIS_URL, REDIS_CLUSTER, REDIS_CLUSTER_NODES) fits. */
export interface RedisConnectionOptions {
  url: string;
  role: ConnectionRole;
  /** Shown in `CLIENT LIST`, handy when counting connections per process. */
  name?: string;
  /** `url` is one node of a Redis Cluster (`REDIS_CLUSTER`): connect in cluster mode. */
  cluster?: boolean;
  /** More seed nodes of that cluster, `host:port` (`REDIS_CLUSTER_NODES`), tried after `url`'s. */
  clusterNodes?: readonly string[];
}

/** Reconnect forever with a capped delay; a Redis restart must not kill the process. */
const reconnectDelay = (times: number) => Math.min(times * 200, 5_000);

function roleOptions(role: ConnectionRole): RedisOptions {
  return role === 'worker'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
}

/**
 * A cluster client seeded with the node `url` names and `nodes`; the others come from CLUSTER
 * SLOTS, asked of the first seed that answers. `url`'s credentials and TLS apply to every node.
 * While a master's replica is promoted the cluster answers CLUSTERDOWN or drops the connection:
 * commands wait and retry on the new owner.
 */
function createCluster(
  url: string,
  nodes: readonly string[],
  role: ConnectionRole,
  nodeOptions: RedisOptions,
): Cluster {
  const parsed = new URL(url);
  const seeds = [
    // `new URL` keeps an IPv6 address in brackets; a socket wants it bare.
    { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 6379) },
    ...nodes.map((node) => {
      const at = node.lastIndexOf(':');
      return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
    }),
  ];
  const options: ClusterOptions = {
    clusterRetryStrategy: reconnectDelay,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    // Right after a promotion some nodes still name the dead master: spread the 16 redirections
    // over a few seconds instead of spending them at once.
    retryDelayOnMoved: 200,
    enableOfflineQueue: role === 'worker',
    // With TLS the nodes are reached by the names they announce, not resolved to IP addresses
    // first, so certificates (issued for names, as on ElastiCache) verify.
    ...(parsed.protocol === 'rediss:'
      ? {
          dnsLookup: (address: string, callback: (error: null, address: string) => void) =>
            callback(null, address),
        }
      : {}),
    redisOptions: {
      ...nodeOptions,
      ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
      ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
  return new Cluster(seeds, options);
}

/**
 * One Redis connection configured for its role. On a cluster it is an ioredis `Cluster`, typed
 * as `Redis`: both carry the same command interface, and aiq uses nothing else of either
 * (commands, EVALSHA, MULTI, pub/sub, `duplicate`, `status`, `quit`). Every key aiq names
 * shares one hash tag there (`Config.redis.prefix`), so no command spans two slots.
 */
export function createRedisConnection({
  url,
  role,
  name,
  cluster = false,
  clusterNodes = [],
}: RedisConnectionOptions): Redis {
  const nodeOptions: RedisOptions = {
    ...(name === undefined ? {} : { connectionName: name }),
    ...roleOptions(role),
  };
  if (cluster) return createCluster(url, clusterNodes, role, nodeOptions) as unknown as Redis;
  return new Redis(url, { ...nodeOptions, retryStrategy: reconnectDelay });
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
