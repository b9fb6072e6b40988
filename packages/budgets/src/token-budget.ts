import { redisScript } from '@aiq/queue';
import type { Redis } from 'ioredis';
import { tokenBudgetKeys, type ProviderKeyRef } from './budget-keys.js';

/** One provider key's token budget. */
export interface TokenBudget extends ProviderKeyRef {
  /** Tokens allowed in any window of `windowMs`. */
  readonly tokens: number;
  /** The sliding window's length. */
  readonly windowMs: number;
}

/** What one call asks of the budget. */
export interface ReserveRequest {
  /** Unique per call (e.g. the attempt's ledger row id); settling names it again. */
  readonly id: string;
  /** Estimated tokens: prompt + max output. Capped at the whole budget (see README). */
  readonly tokens: number;
  /**
   * How long the call may run before it is settled (its deadline from now). A reservation never
   * settled (its worker died) counts as if settled at the end of its lease.
   */
  readonly leaseMs: number;
}

/** The budget's answer: tokens reserved, or how long until enough of them free up. */
export type Reservation =
  | { readonly granted: true; readonly id: string; readonly tokens: number }
  | { readonly granted: false; readonly waitMs: number };

// A sliding log, on Redis's own clock (TIME), so every process agrees on "now":
// - `log` (sorted set): reservation id -> score. While a call runs its score is the end of its
//   lease (in the future); settling moves it to the settle time. An entry counts against the
//   budget while score > now - window, so a call's tokens count from its reservation until one
//   window after it ended: any charge the provider makes between the two lies inside.
// - `amounts` (hash): reservation id -> tokens (the estimate, then the real usage).
// The check is `sum(counted) + wanted <= budget`. Why that bounds every window: take the calls
// the provider charged inside any window of length W and the last of them to reserve, at r. Each
// other one reserved before r and ended after r - W (it was charged inside the window, which
// starts after r - W), so it was still counted when r checked the budget; hence their sum plus
// the last one's is at most the budget. A fixed window or a token bucket allows twice the
// budget across a boundary; this does not.
const RESERVE_SCRIPT = `
local logKey, amountsKey = KEYS[1], KEYS[2]
local id = ARGV[1]
local budget = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local wanted = math.min(tonumber(ARGV[5]), budget)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', logKey, '-inf', now - window)
for i = 1, #expired do redis.call('HDEL', amountsKey, expired[i]) end
redis.call('ZREMRANGEBYSCORE', logKey, '-inf', now - window)
local entries = redis.call('ZRANGE', logKey, 0, -1, 'WITHSCORES')
local used = 0
local amounts = {}
for i = 1, #entries, 2 do
  local amount = tonumber(redis.call('HGET', amountsKey, entries[i]) or '0')
  amounts[#amounts + 1] = { amount, tonumber(entries[i + 1]) }
  used = used + amount
end
if used + wanted <= budget then
  redis.call('ZADD', logKey, now + lease, id)
  redis.call('HSET', amountsKey, id, wanted)
  local ttl = lease + window + 1000
  if redis.call('PTTL', logKey) < ttl then
    redis.call('PEXPIRE', logKey, ttl)
    redis.call('PEXPIRE', amountsKey, ttl)
  end
  return { 1, wanted }
end
-- Entries free up oldest first (the log is sorted by score). A running call frees one window
-- after it settles, so no earlier than now + window: the wait is a lower bound, and a job that
-- wakes too early is told to wait again.
local excess = used + wanted - budget
local freed = 0
for i = 1, #amounts do
  freed = freed + amounts[i][1]
  if freed >= excess then
    return { 0, math.max(1, math.min(amounts[i][2], now) + window - now) }
  end
end
return { 0, window }
`;
const reserveScript = redisScript(RESERVE_SCRIPT);

// Settling records the real usage and restarts the entry's window at the settle time. An entry
// already gone (settled after lease + window) is left gone. Zero tokens removes it: no request
// reached the provider.
const SETTLE_SCRIPT = `
local logKey, amountsKey = KEYS[1], KEYS[2]
local id = ARGV[1]
local tokens = tonumber(ARGV[2])
if not redis.call('ZSCORE', logKey, id) then return 0 end
if tokens <= 0 then
  redis.call('ZREM', logKey, id)
  redis.call('HDEL', amountsKey, id)
  return 1
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', logKey, now, id)
redis.call('HSET', amountsKey, id, tokens)
return 1
`;
const settleScript = redisScript(SETTLE_SCRIPT);

/**
 * Reserves a call's estimated tokens from the budget, atomically for the whole fleet.
 * @returns `granted` with the tokens reserved (capped at the budget), or the ms until enough
 *   tokens free up (nothing was reserved)
 */
export async function reserveTokens(
  redis: Redis,
  budget: TokenBudget,
  request: ReserveRequest,
): Promise<Reservation> {
  const keys = tokenBudgetKeys(budget);
  const result = (await reserveScript.run(
    redis,
    [keys.log, keys.amounts],
    [
      request.id,
      budget.tokens,
      budget.windowMs,
      Math.max(1, Math.ceil(request.leaseMs)),
      Math.max(1, Math.ceil(request.tokens)),
    ],
  )) as [number, number];
  const [granted, value] = result;
  return granted === 1
    ? { granted: true, id: request.id, tokens: value }
    : { granted: false, waitMs: value };
}

/**
 * Settles a reservation to what the call really used (more or less than reserved). Zero
 * releases it entirely, for a call that never reached the provider.
 */
export async function settleTokens(
  redis: Redis,
  budget: ProviderKeyRef,
  id: string,
  tokens: number,
): Promise<void> {
  const keys = tokenBudgetKeys(budget);
  await settleScript.run(redis, [keys.log, keys.amounts], [id, Math.max(0, Math.ceil(tokens))]);
}
