import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// A user's open streams are a sorted set: member = one stream, score = when its lease ends
// (Redis's own clock, so API processes with skewed clocks agree). Taking a slot first drops
// lapsed leases: a process that crashed stops refreshing, and its slots free themselves (the
// pattern of Sidekiq Enterprise's concurrent limiter and of redis-semaphore). The key expires
// with the newest lease, so a user who leaves leaves nothing behind.
const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

const ACQUIRE_SCRIPT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

// Re-adds a slot whose lease lapsed while its stream was still open (a paused process): the
// count stays true to what is open.
const REFRESH_SCRIPT = `${NOW_MS}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

type RedisWithSlots = Redis & {
  aiqAcquireStreamSlot(key: string, member: string, max: number, leaseMs: number): Promise<number>;
  aiqRefreshStreamSlot(key: string, member: string, leaseMs: number): Promise<number>;
};

function withSlotCommands(redis: Redis): RedisWithSlots {
  if (!('aiqAcquireStreamSlot' in redis)) {
    redis.defineCommand('aiqAcquireStreamSlot', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
    redis.defineCommand('aiqRefreshStreamSlot', { numberOfKeys: 1, lua: REFRESH_SCRIPT });
  }
  return redis as RedisWithSlots;
}

/** One open stream's place under its user's cap. */
export interface StreamSlot {
  /** Extends the lease; call well within `leaseMs`. */
  refresh(): Promise<void>;
  /** Gives the slot back; idempotent. */
  release(): Promise<void>;
}

export interface AcquireStreamSlotOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly userId: string;
  /** Streams the user may hold open at once, across every API process. */
  readonly max: number;
  /** How long a slot outlives its last refresh. */
  readonly leaseMs: number;
}

/** Takes one of a user's stream slots; `undefined` when all `max` are in use. */
export async function acquireStreamSlot({
  redis,
  prefix,
  userId,
  max,
  leaseMs,
}: AcquireStreamSlotOptions): Promise<StreamSlot | undefined> {
  const commands = withSlotCommands(redis);
  const key = `${prefix}:sse:streams:${userId}`;
  const member = randomUUID();
  if ((await commands.aiqAcquireStreamSlot(key, member, max, leaseMs)) === 0) return undefined;
  let released = false;
  return {
    async refresh() {
      if (!released) await commands.aiqRefreshStreamSlot(key, member, leaseMs);
    },
    async release() {
      if (released) return;
      released = true;
      await redis.zrem(key, member);
    },
  };
}
