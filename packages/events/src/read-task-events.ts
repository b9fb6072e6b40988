import type { Redis } from 'ioredis';
import { parseTaskEvent, type TaskEvent } from './task-event.js';
import { taskEventKeys } from './task-event-keys.js';

/** Events per Redis read when none is given. */
const DEFAULT_PAGE_SIZE = 500;

// One page of the log after a sequence number. The log holds consecutive sequence numbers
// (the publish script numbers and appends in one step, and trims only from the front), and
// each entry starts with `{"sequence":N,`: the first entry's number gives the page's index
// without a scan. In one script so a trim between the two reads cannot shift the index.
const PAGE_SCRIPT = `
local first = redis.call('LINDEX', KEYS[1], 0)
if not first then return {} end
local firstSequence = tonumber(string.match(first, '^{"sequence":(%d+),'))
local start = 0
if firstSequence then start = math.max(0, tonumber(ARGV[1]) - firstSequence + 1) end
return redis.call('LRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)
`;

type RedisWithPage = Redis & {
  aiqReadTaskEventPage(logKey: string, afterSequence: number, count: number): Promise<string[]>;
};

function withPageCommand(redis: Redis): RedisWithPage {
  if (!('aiqReadTaskEventPage' in redis)) {
    redis.defineCommand('aiqReadTaskEventPage', { numberOfKeys: 1, lua: PAGE_SCRIPT });
  }
  return redis as RedisWithPage;
}

/** An entry as an event; `undefined` when written by a publisher with another shape. */
function parseEntry(entry: string): TaskEvent | undefined {
  try {
    return parseTaskEvent(entry);
  } catch {
    return undefined; // not ours to replay
  }
}

/** Options of {@link replayTaskEvents}. */
export interface ReplayTaskEventsOptions {
  /** The client's `Last-Event-ID`: only events with a higher sequence are read. */
  readonly afterSequence?: number;
  /**
   * Entries read per Redis call: the most a replay holds in memory at once.
   * @defaultValue 500
   */
  readonly pageSize?: number;
}

/**
 * The replay log of one task after `afterSequence`, oldest first, read a page at a time (as
 * BullMQ's QueueEvents reads its stream with `XREAD COUNT`), so a long log never sits in memory
 * whole and a slow client holds one page at most. Events appended while it reads are included.
 * Entries that fail validation are skipped.
 */
export async function* replayTaskEvents(
  redis: Redis,
  prefix: string,
  taskId: string,
  { afterSequence = 0, pageSize = DEFAULT_PAGE_SIZE }: ReplayTaskEventsOptions = {},
): AsyncGenerator<TaskEvent> {
  const commands = withPageCommand(redis);
  const logKey = taskEventKeys(prefix, taskId).log;
  let cursor = afterSequence;
  for (;;) {
    const entries = await commands.aiqReadTaskEventPage(logKey, cursor, pageSize);
    const before = cursor;
    for (const entry of entries) {
      const event = parseEntry(entry);
      if (event === undefined || event.sequence <= cursor) continue;
      cursor = event.sequence;
      yield event;
    }
    // A short page is the end; a full page that moved nothing on holds only foreign entries.
    if (entries.length < pageSize || cursor === before) return;
  }
}

/** Every kept event of a task after `afterSequence`, oldest first (read in pages). */
export async function readTaskEvents(
  redis: Redis,
  prefix: string,
  taskId: string,
  afterSequence = 0,
): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of replayTaskEvents(redis, prefix, taskId, { afterSequence })) {
    events.push(event);
  }
  return events;
}

/** The newest kept event of a task (one `LINDEX`), or `undefined`. */
export async function readLastTaskEvent(
  redis: Redis,
  prefix: string,
  taskId: string,
): Promise<TaskEvent | undefined> {
  const last = await redis.lindex(taskEventKeys(prefix, taskId).log, -1);
  return last === null ? undefined : parseEntry(last);
}
