import type { Redis } from 'ioredis';
import { parseTaskEvent, type TaskEvent } from './task-event.js';
import { taskEventKeys } from './task-event-keys.js';

/**
 * The replay log of one task: every kept event with a sequence number above `afterSequence`
 * (the client's `Last-Event-ID`), oldest first. Entries that fail validation are skipped.
 */
export async function readTaskEvents(
  redis: Redis,
  prefix: string,
  taskId: string,
  afterSequence = 0,
): Promise<TaskEvent[]> {
  const entries = await redis.lrange(taskEventKeys(prefix, taskId).log, 0, -1);
  const events: TaskEvent[] = [];
  for (const entry of entries) {
    try {
      const event = parseTaskEvent(entry);
      if (event.sequence > afterSequence) events.push(event);
    } catch {
      // Written by a newer or older publisher with another shape: not ours to replay.
    }
  }
  return events;
}
