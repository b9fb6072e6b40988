// The circuit breaker's state machine, one Lua script per step so every step is atomic across
// processes. Time is Redis's (`TIME`), never the caller's: processes with skewed clocks agree on
// when a circuit may be probed, and tests need no fake timers.
//
// Per target (`openai`, or `openai:gpt-5.6-sol`) there are four keys:
// - `circuit` (hash): state closed|open|half_open, failures (consecutive outage failures while
//   closed), retryAt (epoch ms, Redis time: when an open circuit may be probed), resetMs (the
//   current cool-down), openedAt, reason, seq (member counter for the window);
// - `calls`, `fails` (sorted sets scored by Redis time): the sliding window of the error rate;
// - `probes` (sorted set: probe id → lease expiry): the half-open probe slots taken.

/** Shared Lua: Redis's clock in epoch ms. */
const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * Decides whether a call may go to a model, given its provider's and its own disabled flags and
 * circuits. Closed circuits let it through; an open one whose cool-down has elapsed turns
 * half-open; a half-open one lets it through only when a probe slot is free, and takes the slot
 * (with a lease, so a crashed prober frees it) only when every circuit of the call lets it through.
 *
 * KEYS: [1] the disabled hash, then per target: circuit, probes.
 * ARGV: [1] provider, [2] model id, [3] probe slots, [4] lease ms, [5] probe id, then per
 *   target: its name.
 * Returns: { decision, waitMs, probed targets (space-separated), transitions (flat: target, from,
 *   to, reason, ...) }; decision is allow | provider_disabled | model_disabled | circuit_open.
 */
export const ACQUIRE_SCRIPT = `${NOW}
local flags = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[2])
if flags[1] then return {'provider_disabled', 0, '', {}} end
if flags[2] then return {'model_disabled', 0, '', {}} end
local slots = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local transitions = {}
local waitMs = 0
local toProbe = {}
local targets = (#KEYS - 1) / 2
for i = 1, targets do
  local circuit = KEYS[2 * i]
  local probes = KEYS[2 * i + 1]
  local name = ARGV[5 + i]
  local state = redis.call('HGET', circuit, 'state') or 'closed'
  if state == 'open' then
    local retryAt = tonumber(redis.call('HGET', circuit, 'retryAt') or '0')
    if now >= retryAt then
      redis.call('HSET', circuit, 'state', 'half_open', 'reason', 'cool_down_elapsed')
      redis.call('DEL', probes)
      for _, value in ipairs({name, 'open', 'half_open', 'cool_down_elapsed'}) do
        table.insert(transitions, value)
      end
      state = 'half_open'
    else
      waitMs = math.max(waitMs, retryAt - now)
    end
  end
  if state == 'half_open' then
    redis.call('ZREMRANGEBYSCORE', probes, '-inf', now)
    if redis.call('ZCARD', probes) >= slots then
      local first = redis.call('ZRANGE', probes, 0, 0, 'WITHSCORES')
      waitMs = math.max(waitMs, math.max(1, tonumber(first[2]) - now))
    else
      table.insert(toProbe, i)
    end
  end
end
if waitMs > 0 then return {'circuit_open', waitMs, '', transitions} end
local probed = {}
for _, i in ipairs(toProbe) do
  redis.call('ZADD', KEYS[2 * i + 1], now + lease, ARGV[5])
  redis.call('PEXPIRE', KEYS[2 * i + 1], lease * 2)
  table.insert(probed, ARGV[5 + i])
end
return {'allow', 0, table.concat(probed, ' '), transitions}
`;

/**
 * Records one call's outcome in one target's circuit. `neutral` (a 429, a client error, a
 * cancel) only frees the call's probe slot: it neither counts in the window nor resets the
 * consecutive count. While closed, a failure opens the circuit at `threshold` consecutive ones
 * or at `ratePercent` of the window's calls once it holds `minRequests`; a success resets the
 * count. While half-open only a probe's outcome counts: success closes (and clears the window),
 * failure reopens with the cool-down doubled up to `maxResetMs`. Outcomes that arrive while
 * open come from calls started before it opened and change nothing.
 *
 * KEYS: [1] circuit, [2] calls, [3] fails, [4] probes, [5] the registry set of circuits.
 * ARGV: [1] success|failure|neutral, [2] probe id or '', [3] threshold, [4] window ms,
 *   [5] rate percent, [6] min requests, [7] base reset ms, [8] max reset ms, [9] target name.
 * Returns: {} or { from, to, reason } when the state changed.
 */
export const RECORD_SCRIPT = `${NOW}
local circuit, calls, fails, probes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local outcome, probeId = ARGV[1], ARGV[2]
local threshold, windowMs = tonumber(ARGV[3]), tonumber(ARGV[4])
local ratePercent, minRequests = tonumber(ARGV[5]), tonumber(ARGV[6])
local baseReset, maxReset = tonumber(ARGV[7]), tonumber(ARGV[8])
redis.call('SADD', KEYS[5], ARGV[9])
local wasProbe = 0
if probeId ~= '' then wasProbe = redis.call('ZREM', probes, probeId) end
if outcome == 'neutral' then return {} end
local state = redis.call('HGET', circuit, 'state') or 'closed'

local function open(resetMs, reason)
  redis.call('HSET', circuit, 'state', 'open', 'failures', 0, 'openedAt', now,
    'retryAt', now + resetMs, 'resetMs', resetMs, 'reason', reason)
  redis.call('DEL', probes)
  return {state, 'open', reason}
end

local seq = redis.call('HINCRBY', circuit, 'seq', 1)
redis.call('ZADD', calls, now, now .. ':' .. seq)
if outcome == 'failure' then redis.call('ZADD', fails, now, now .. ':' .. seq) end
redis.call('ZREMRANGEBYSCORE', calls, '-inf', now - windowMs)
redis.call('ZREMRANGEBYSCORE', fails, '-inf', now - windowMs)
redis.call('PEXPIRE', calls, windowMs * 2)
redis.call('PEXPIRE', fails, windowMs * 2)

if state == 'closed' then
  if outcome == 'success' then
    redis.call('HSET', circuit, 'failures', 0)
    return {}
  end
  local failures = redis.call('HINCRBY', circuit, 'failures', 1)
  if failures >= threshold then return open(baseReset, 'consecutive_failures') end
  local total = redis.call('ZCARD', calls)
  if total >= minRequests and redis.call('ZCARD', fails) * 100 >= ratePercent * total then
    return open(baseReset, 'error_rate')
  end
  return {}
end
if state == 'half_open' and wasProbe == 1 then
  if outcome == 'success' then
    redis.call('HSET', circuit, 'state', 'closed', 'failures', 0, 'resetMs', baseReset,
      'reason', 'probe_succeeded')
    redis.call('DEL', calls, fails, probes)
    return {'half_open', 'closed', 'probe_succeeded'}
  end
  local current = tonumber(redis.call('HGET', circuit, 'resetMs') or baseReset)
  return open(math.min(current * 2, maxReset), 'probe_failed')
end
return {}
`;
