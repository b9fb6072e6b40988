import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isTerminalEvent, type TaskEventBody } from './task-event.js';
import { taskEventKeys } from './task-event-keys.js';

/** Publishes remembered per task for deduplication: more than can be in flight at once. */
const SENT_IDS_KEPT = 64;

// One atomic step per event: drop it if the stream already ended (unless it is `retried`, which
// reopens it), if it comes from a run older than the task's current one, or if it carries a
// holder number older than the stream's latest claim (see `claim`); take the next
// sequence number, append to the capped log, refresh the TTLs, publish. Done in Lua so two
// workers publishing for the same task (a stalled job re-run) can never interleave or end twice.
// The JSON is built by splicing the sequence in front of the caller's object, so no JSON
// library is needed in Lua and field order is kept.
//
// Idempotent: ioredis resends a command whose reply a dropped connection lost (CLIENT KILL, a
// restart), so the same publish may run twice. Each publish carries an id; the last few ids
// with their sequence numbers are kept, and a repeat answers the first one's sequence.
const PUBLISH_SCRIPT = `
local sent = redis.call('LRANGE', KEYS[5], 0, -1)
for _, entry in ipairs(sent) do
  if string.sub(entry, 1, #ARGV[8] + 1) == ARGV[8] .. ':' then
    return tonumber(string.sub(entry, #ARGV[8] + 2))
  end
end
if ARGV[7] ~= '' and tonumber(redis.call('GET', KEYS[4]) or '0') > tonumber(ARGV[7]) then return 0 end
if ARGV[9] ~= '' and tonumber(redis.call('GET', KEYS[6]) or '0') > tonumber(ARGV[9]) then return 0 end
if ARGV[6] ~= '' then
  redis.call('DEL', KEYS[3])
  redis.call('SET', KEYS[4], ARGV[6], 'EX', ARGV[4])
end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local sequence = redis.call('INCR', KEYS[1])
local event = '{"sequence":' .. sequence .. ',' .. string.sub(ARGV[2], 2)
redis.call('RPUSH', KEYS[2], event)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
if ARGV[9] ~= '' then redis.call('EXPIRE', KEYS[6], ARGV[4]) end
if ARGV[5] == '1' then redis.call('SET', KEYS[3], sequence, 'EX', ARGV[4]) end
redis.call('PUBLISH', ARGV[1], event)
redis.call('RPUSH', KEYS[5], ARGV[8] .. ':' .. sequence)
redis.call('LTRIM', KEYS[5], -${SENT_IDS_KEPT}, -1)
redis.call('EXPIRE', KEYS[5], ARGV[4])
return sequence
`;

// The next holder number of a task's stream (or lane), kept as long as its replay log: each
// publish that carries a holder refreshes it, so a run longer than the TTL stays fenced.
const CLAIM_SCRIPT = `
local holder = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return holder
`;

type RedisWithPublish = Redis & {
  aiqPublishTaskEvent(
    sequenceKey: string,
    logKey: string,
    terminalKey: string,
    runKey: string,
    sentKey: string,
    holderKey: string,
    channel: string,
    json: string,
    maxEvents: number,
    ttlSeconds: number,
    terminal: '1' | '0',
    reopensAsRun: string,
    run: string,
    publishId: string,
    holder: string,
  ): Promise<number>;
  aiqClaimTaskStream(holderKey: string, ttlSeconds: number): Promise<number>;
};

/** A lane's holder key: in the task's hash slot, as the task's own is. */
function holderKey(taskHolderKey: string, lane: string | undefined): string {
  return lane === undefined ? taskHolderKey : `${taskHolderKey}:${lane}`;
}

/** Options of {@link createTaskEventPublisher}. */
export interface TaskEventPublisherOptions {
  /** A producer or worker connection (not one in subscriber mode). */
  redis: Redis;
  /** The queue prefix (`config.redis.prefix`), so test runs and deployments stay apart. */
  prefix: string;
  /**
   * Events kept per task for replay; older ones are trimmed.
   * @defaultValue 10 000 (a long answer is a few thousand tokens)
   */
  maxEvents?: number;
  /**
   * How long a task's replay log lives after its last event.
   * @defaultValue 3 600 s
   */
  ttlSeconds?: number;
}

/** Publishes a task's progress. */
export interface TaskEventPublisher {
  /**
   * Numbers the event, appends it to the replay log and publishes it. `retried` reopens a
   * stream that ended. `options.run` (the task's retry count when its job was made) drops the
   * event if the task has been retried since: a late end of an old run cannot end the new one.
   * @returns its sequence number, or 0 when the event was dropped
   */
  publish(
    taskId: string,
    body: TaskEventBody,
    options?: {
      readonly run?: number | undefined;
      readonly holder?: number | undefined;
      /** The lane `holder` was claimed on (see `claim`). */
      readonly lane?: string | undefined;
    },
  ): Promise<number>;
  /**
   * Takes the task's stream for a run about to stream (a fencing token): events published with
   * an older `holder` are dropped from now on, so a worker frozen past its lock and woken while
   * its successor streams cannot add its buffered tokens to the successor's text. Send it before
   * the run's `reset` on the same connection, so no stale token can follow that reset.
   * `lane` claims one part of the stream only: an ensemble candidate's (its model), fenced
   * apart from its siblings, which stream on the same task at once.
   * @returns the holder number to pass to this run's `publish` calls, with the same `lane`
   */
  claim(taskId: string, lane?: string): Promise<number>;
}

/** A publisher over Redis pub/sub plus a capped per-task replay log with a TTL. */
export function createTaskEventPublisher({
  redis,
  prefix,
  maxEvents = 10_000,
  ttlSeconds = 3_600,
}: TaskEventPublisherOptions): TaskEventPublisher {
  if (!('aiqPublishTaskEvent' in redis)) {
    redis.defineCommand('aiqPublishTaskEvent', { numberOfKeys: 6, lua: PUBLISH_SCRIPT });
    redis.defineCommand('aiqClaimTaskStream', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
  }
  const commands = redis as RedisWithPublish;
  return {
    async publish(taskId, body, options = {}) {
      const keys = taskEventKeys(prefix, taskId);
      const json = JSON.stringify({ taskId, at: Date.now(), ...body });
      return commands.aiqPublishTaskEvent(
        keys.sequence,
        keys.log,
        keys.terminal,
        keys.run,
        keys.sent,
        holderKey(keys.holder, options.lane),
        keys.channel,
        json,
        maxEvents,
        ttlSeconds,
        isTerminalEvent(body) ? '1' : '0',
        body.type === 'retried' ? String(body.retryCount) : '',
        options.run === undefined ? '' : String(options.run),
        randomUUID(),
        options.holder === undefined ? '' : String(options.holder),
      );
    },
    claim(taskId, lane) {
      const key = holderKey(taskEventKeys(prefix, taskId).holder, lane);
      return commands.aiqClaimTaskStream(key, ttlSeconds);
    },
  };
}
