import { redisScript } from '@aiq/queue';
import type { Redis } from 'ioredis';
import { pacingKey, type ProviderKeyRef } from './budget-keys.js';

/** The limits a provider reports, each as it stood when the response left it. */
export const RATE_LIMIT_DIMENSIONS = ['requests', 'tokens', 'inputTokens', 'outputTokens'] as const;
export type RateLimitDimension = (typeof RATE_LIMIT_DIMENSIONS)[number];

/** One limit from a provider's headers. */
export interface RateLimitWindow {
  /** The limit itself (`x-ratelimit-limit-*`, `anthropic-ratelimit-*-limit`), when sent. */
  readonly limit: number | undefined;
  /** What is left of it. */
  readonly remaining: number;
  /** Milliseconds from the response until the limit is fully replenished. */
  readonly resetMs: number;
}

/** Everything one response reported; a dimension the provider did not send is absent. */
export type RateLimitReport = Partial<Record<RateLimitDimension, RateLimitWindow>>;

/** What a call will consume of each dimension: 1 request, and its estimated tokens. */
export type PacingNeed = Readonly<Record<RateLimitDimension, number>>;

// The provider's last report per key, in one hash: `<dimension>:limit|remaining|resetAt`
// (resetAt on Redis's clock), plus `nextAt`, the earliest start of the next call while calls
// are being spaced out.
const RECORD_SCRIPT = `
local key = KEYS[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local longest = 0
for i = 1, #ARGV, 4 do
  local dimension, limit = ARGV[i], ARGV[i + 1]
  local resetMs = tonumber(ARGV[i + 3])
  redis.call('HSET', key, dimension .. ':remaining', ARGV[i + 2], dimension .. ':resetAt', now + resetMs)
  if limit == '' then redis.call('HDEL', key, dimension .. ':limit')
  else redis.call('HSET', key, dimension .. ':limit', limit) end
  if resetMs > longest then longest = resetMs end
end
redis.call('PEXPIRE', key, longest + 60000)
return 1
`;
const recordScript = redisScript(RECORD_SCRIPT);

// Decides whether a call may start now, on what the provider last reported:
// - a dimension whose remaining cannot cover the call: wait for its reset;
// - a dimension under `threshold` of its limit after the call: space the calls out, one every
//   (time to reset / calls the remaining still covers), through `nextAt`;
// - otherwise go, and take the call's share off the remaining counts, so the other processes see
//   them fall before the provider's next report arrives.
const TAKE_SCRIPT = `
local key = KEYS[1]
local threshold = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local wait, spacing = 0, 0
local active = {}
for i = 2, #ARGV, 2 do
  local dimension, need = ARGV[i], tonumber(ARGV[i + 1])
  local values = redis.call('HMGET', key, dimension .. ':remaining', dimension .. ':resetAt', dimension .. ':limit')
  local remaining, resetAt, limit = tonumber(values[1]), tonumber(values[2]), tonumber(values[3])
  if need > 0 and remaining and resetAt and resetAt > now then
    active[#active + 1] = { dimension, need }
    if remaining < need then
      wait = math.max(wait, resetAt - now)
    elseif limit and remaining - need < threshold * limit then
      spacing = math.max(spacing, math.floor((resetAt - now) / math.max(1, math.floor(remaining / need))))
    end
  end
end
local nextAt = tonumber(redis.call('HGET', key, 'nextAt') or '0')
if nextAt > now then wait = math.max(wait, nextAt - now) end
if wait > 0 then return wait end
for i = 1, #active do
  redis.call('HINCRBY', key, active[i][1] .. ':remaining', -active[i][2])
end
if spacing > 0 then redis.call('HSET', key, 'nextAt', now + spacing) end
return 0
`;
const takeScript = redisScript(TAKE_SCRIPT);

/** Stores what a provider's response headers reported for this key, for the whole fleet. */
export async function recordRateLimits(
  redis: Redis,
  ref: ProviderKeyRef,
  report: RateLimitReport,
): Promise<void> {
  const args: (string | number)[] = [];
  for (const dimension of RATE_LIMIT_DIMENSIONS) {
    const window = report[dimension];
    if (window === undefined) continue;
    args.push(
      dimension,
      window.limit === undefined ? '' : Math.floor(window.limit),
      Math.floor(window.remaining),
      Math.max(0, Math.ceil(window.resetMs)),
    );
  }
  if (args.length === 0) return;
  await recordScript.run(redis, [pacingKey(ref)], args);
}

/**
 * Asks whether a call may start now given the provider's last report, and if so counts it
 * against the reported remaining.
 * @param threshold - fraction of a limit under which calls are spaced out until its reset
 * @returns 0 to go now; otherwise the ms to wait (nothing was counted)
 */
export async function takePacingSlot(
  redis: Redis,
  ref: ProviderKeyRef,
  need: PacingNeed,
  threshold: number,
): Promise<number> {
  const args = RATE_LIMIT_DIMENSIONS.flatMap((dimension) => [
    dimension,
    Math.ceil(need[dimension]),
  ]);
  return Number(await takeScript.run(redis, [pacingKey(ref)], [threshold, ...args]));
}
