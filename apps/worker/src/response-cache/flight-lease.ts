import { redisScript } from '@aiq/queue';
import type { Redis } from 'ioredis';

// Compare-and-set on the holder, so a leader whose lease already passed to another can neither
// stretch nor free the new leader's lease.
const EXTEND_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const extendScript = redisScript(EXTEND_SCRIPT);
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
const releaseScript = redisScript(RELEASE_SCRIPT);

/** The Redis key of the flight of one cache key. */
export function flightKey(prefix: string, key: string): string {
  return `${prefix}:response-cache-flight:${key}`;
}

/** A held flight: the leader's right to make the one provider call for a cache key. */
export interface FlightLease {
  /** Stops extending and frees the flight (no-op when another holds it now). Idempotent. */
  release(): Promise<void>;
}

export interface FlightLeaseOptions {
  /** Who holds it (task id and run): only the holder extends or frees it. */
  readonly holder: string;
  /**
   * How long the lease lives without extension: a leader that dies hands the flight to a
   * follower at most this long after. Extended every third of it while the leader is alive.
   */
  readonly leaseMs: number;
}

/**
 * Takes the flight of `key` (SET NX PX) and keeps it while the leader works.
 * @returns the lease, or undefined when another request holds it
 */
export async function acquireFlightLease(
  redis: Redis,
  key: string,
  { holder, leaseMs }: FlightLeaseOptions,
): Promise<FlightLease | undefined> {
  const taken = await redis.set(key, holder, 'PX', leaseMs, 'NX');
  if (taken !== 'OK') return undefined;
  const timer = setInterval(
    () => {
      // A failed extension only shortens the lease: at worst a follower calls too.
      extendScript.run(redis, [key], [holder, String(leaseMs)]).catch(() => undefined);
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // A lease that cannot be freed expires by itself within `leaseMs`.
      await releaseScript.run(redis, [key], [holder]).catch(() => undefined);
    },
  };
}
