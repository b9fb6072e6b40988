import type { Redis } from 'ioredis';

/**
 * Who decides how a task's run ends: a cancel (the API, the CLI, a client that left) or its
 * worker (a result, a failure, or a repair of the worker's end by the reconciler or the
 * dead-letter queue).
 */
export type TaskEndParty = 'cancel' | 'worker';

/** The claim on a task's end; a day, like the cancel mark, is longer than any run. */
function taskEndKey(prefix: string, taskId: string): string {
  return `${prefix}:task-end:${taskId}`;
}

const TASK_END_TTL_SECONDS = 86_400;

// First claim of a run wins; the same party may claim again (a re-run of a stalled job, a
// cancel sent twice), the other may not. A later run (after a retry) starts afresh.
const CLAIM_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local separator = string.find(current, ':', 1, true)
  local run = tonumber(string.sub(current, 1, separator - 1))
  if run > tonumber(ARGV[1]) then return 0 end
  if run == tonumber(ARGV[1]) and string.sub(current, separator + 1) ~= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'EX', ARGV[3])
return 1
`;

type RedisWithClaim = Redis & {
  aiqClaimTaskEnd(key: string, run: number, party: TaskEndParty, ttl: number): Promise<number>;
};

/**
 * Decides, once per run and in the order things really happened, whether a task's run ends by
 * its cancel or by its worker. The cancel writes Postgres directly while the worker's end waits
 * in the ledger outbox, so Postgres cannot tell which came first; Redis, which both reach
 * before they write, can. The loser never records its own end: a worker that lost records
 * `cancelled`, a cancel that lost reports that the task had already finished.
 * @returns true when `party` may end the run as it wants
 */
export async function claimTaskEnd(
  redis: Redis,
  prefix: string,
  { taskId, run, party }: { taskId: string; run: number; party: TaskEndParty },
): Promise<boolean> {
  if (!('aiqClaimTaskEnd' in redis)) {
    redis.defineCommand('aiqClaimTaskEnd', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
  }
  const claimed = await (redis as RedisWithClaim).aiqClaimTaskEnd(
    taskEndKey(prefix, taskId),
    run,
    party,
    TASK_END_TTL_SECONDS,
  );
  return claimed === 1;
}
