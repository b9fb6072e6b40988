import type { Config, ProviderName } from '@aiq/config';
import type { Queue, RateLimiterOptions } from 'bullmq';
import { redisScript } from '@aiq/queue';
import type { Redis } from 'ioredis';

/**
 * The requests-per-minute budget of one provider, fleet-wide: the `limiter` of its generation
 * queue's BullMQ workers, and the budget background tasks draw their provider calls from
 * ({@link takeProviderSlot}). Both read it here, so the two can never disagree.
 */
export function providerLimiter(config: Config, provider: ProviderName): RateLimiterOptions {
  return { max: config.providers[provider].requestsPerMinute, duration: 60_000 };
}

// This relies on BullMQ's limiter key layout (checked against bullmq 6.7.0): every worker of a
// queue counts the jobs it starts in one Redis string, `queue.keys.limiter`, and
// `queue.rateLimit(ms)` overwrites that same key with MAX_SAFE_INTEGER for `ms`. The script
// below copies BullMQ's own Lua, so a background call counts exactly as a job start does:
// - the check is `includes/getRateLimitTTL.lua`: limited while `GET >= max`, for `PTTL` ms; a
//   counter whose PTTL reads 0 (expiring this very millisecond) is deleted, and one without a
//   TTL (-1) does not limit;
// - the take is `includes/prepareJobForProcessing.lua`: `INCR`, then `PEXPIRE duration` when
//   the counter was just created (1).
// If a BullMQ upgrade moves or reshapes the key, `provider-limiter.test.ts` fails: it checks
// that a BullMQ worker's job starts, `Queue.rateLimit` and `Queue.getRateLimitTtl` all see the
// counter this script keeps.
const TAKE_SLOT_SCRIPT = `
local limiterKey = KEYS[1]
local maxJobs = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
if maxJobs <= tonumber(redis.call("GET", limiterKey) or 0) then
  local pttl = redis.call("PTTL", limiterKey)
  if pttl == 0 then
    redis.call("DEL", limiterKey)
  end
  if pttl > 0 then
    return pttl
  end
end
local counter = tonumber(redis.call("INCR", limiterKey))
if counter == 1 then
  redis.call("PEXPIRE", limiterKey, math.floor(math.abs(duration)))
end
return 0
`;
const takeSlotScript = redisScript(TAKE_SLOT_SCRIPT);

/** The Redis key of a queue's BullMQ limiter counter (see the layout note above). */
export function limiterKey(queue: Queue): string {
  const key = queue.keys.limiter;
  if (key === undefined) {
    throw new Error(
      `BullMQ names no limiter key for queue "${queue.name}": see provider-limiter.ts`,
    );
  }
  return key;
}

/**
 * Takes one request from a provider's budget, atomically, from the counter its generation
 * queue's BullMQ limiter keeps (so generation jobs and background calls share one budget).
 * @param queue - the provider's generation queue, e.g. `deps.queues['generate-openai']`
 * @returns 0 when the request may go now; otherwise how many ms until the budget refills (or a
 *   `queue.rateLimit` hold ends), and nothing was taken
 */
export async function takeProviderSlot(
  redis: Redis,
  queue: Queue,
  limiter: RateLimiterOptions,
): Promise<number> {
  const result = await takeSlotScript.run(
    redis,
    [limiterKey(queue)],
    [limiter.max, limiter.duration],
  );
  return Number(result);
}
