import type { Logger } from '@aiq/logger';
import { parseTaskEvent, type TaskEvent } from '@aiq/events';
import type { Redis } from 'ioredis';

/** Live events of one task, buffered until read. */
interface TaskEventSubscription {
  /**
   * The next event, or `undefined` when `timeoutMs` passed first or the subscription closed.
   * Buffered events are returned at once and in arrival order.
   */
  next(timeoutMs: number): Promise<TaskEvent | undefined>;
  /** Stops delivery and frees the buffer; idempotent. */
  close(): void;
}

/** One Redis pub/sub subscription per API process, shared by every SSE client of that process. */
export interface TaskEventFanOut {
  /** Starts buffering a task's live events at once (subscribe before replaying, R13). */
  subscribe(taskId: string): TaskEventSubscription;
  /**
   * Resolves once the pattern subscription is active; rejects after `timeoutMs` (Redis down),
   * so a stream can answer 503 instead of waiting.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Open subscriptions across all tasks (tests, diagnostics). */
  size(): number;
  close(): Promise<void>;
}

export interface TaskEventFanOutOptions {
  /** A connection of its own: it enters subscriber mode and can run nothing else. */
  subscriber: Redis;
  /** The queue prefix; every task's channel is `${prefix}:events:live:${taskId}`. */
  prefix: string;
  logger: Logger;
}

interface Listener {
  readonly buffer: TaskEvent[];
  wake: (() => void) | undefined;
}

function createSubscription(listeners: Set<Listener>, onClose: () => void): TaskEventSubscription {
  const listener: Listener = { buffer: [], wake: undefined };
  listeners.add(listener);
  let closed = false;
  return {
    async next(timeoutMs) {
      if (listener.buffer.length === 0 && !closed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          listener.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        listener.wake = undefined;
      }
      return closed ? undefined : listener.buffer.shift();
    },
    close() {
      if (closed) return;
      closed = true;
      listener.buffer.length = 0;
      listeners.delete(listener);
      listener.wake?.();
      onClose();
    },
  };
}

/**
 * Pattern-subscribes once to every task's live channel and hands each message only to the
 * clients of its task. Messages of tasks nobody here follows are dropped before parsing, so the
 * cost per foreign event is one map lookup. ioredis re-subscribes after a reconnect; events
 * published during the gap are recovered from the replay log by the stream's gap check.
 */
export function createTaskEventFanOut({
  subscriber,
  prefix,
  logger,
}: TaskEventFanOutOptions): TaskEventFanOut {
  const channelPrefix = `${prefix}:events:live:`;
  const byTask = new Map<string, Set<Listener>>();
  subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const listeners = byTask.get(channel.slice(channelPrefix.length));
    if (listeners === undefined) return;
    let event: TaskEvent;
    try {
      event = parseTaskEvent(message);
    } catch (error) {
      logger.warn({ err: (error as Error).message, channel }, 'unparseable task event dropped');
      return;
    }
    for (const listener of listeners) {
      listener.buffer.push(event);
      listener.wake?.();
    }
  });
  // Not awaited: a Redis that is down at start-up must not stop the API from serving 503s.
  const subscribed = subscriber.psubscribe(`${channelPrefix}*`).then(() => undefined);
  subscribed.catch((error: unknown) =>
    logger.warn({ err: (error as Error).message }, 'task event subscription failed'),
  );
  return {
    ready(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error('Task event subscription is not ready')),
          timeoutMs,
        );
      });
      return Promise.race([subscribed, timeout]).finally(() => clearTimeout(timer));
    },
    subscribe(taskId) {
      let listeners = byTask.get(taskId);
      if (listeners === undefined) {
        listeners = new Set();
        byTask.set(taskId, listeners);
      }
      const own = listeners;
      return createSubscription(own, () => {
        if (own.size === 0 && byTask.get(taskId) === own) byTask.delete(taskId);
      });
    },
    size: () => [...byTask.values()].reduce((total, listeners) => total + listeners.size, 0),
    async close() {
      byTask.clear();
      if (subscriber.status === 'ready') await subscriber.quit();
      else subscriber.disconnect();
    },
  };
}
