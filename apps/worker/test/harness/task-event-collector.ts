import { isTerminalEvent, parseTaskEvent, type TaskEvent } from '@aiq/events';
import type { Redis } from 'ioredis';

/** Every task event under a prefix, as a subscriber sees them; waits are event-driven. */
export interface TaskEventCollector {
  events(taskId: string): TaskEvent[];
  /** Resolves with the task's events once `predicate` holds for one of them. */
  waitFor(
    taskId: string,
    predicate: (event: TaskEvent) => boolean,
    timeoutMs?: number,
  ): Promise<TaskEvent[]>;
  /** Resolves with the task's events once its terminal event arrived. */
  waitForTerminal(taskId: string, timeoutMs?: number): Promise<TaskEvent[]>;
  close(): Promise<void>;
}

export async function collectTaskEvents(
  subscriber: Redis,
  prefix: string,
): Promise<TaskEventCollector> {
  const byTask = new Map<string, TaskEvent[]>();
  const waiters = new Set<() => void>();
  subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const event = parseTaskEvent(message);
    const list = byTask.get(event.taskId) ?? [];
    list.push(event);
    byTask.set(event.taskId, list);
    for (const waiter of [...waiters]) waiter();
  });
  await subscriber.psubscribe(`${prefix}:events:live:*`);
  const events = (taskId: string) => [...(byTask.get(taskId) ?? [])];
  const waitFor = (taskId: string, predicate: (event: TaskEvent) => boolean, timeoutMs = 20_000) =>
    new Promise<TaskEvent[]>((resolve, reject) => {
      const check = () => {
        if (events(taskId).some(predicate)) {
          cleanup();
          resolve(events(taskId));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `task ${taskId}: condition not met in ${timeoutMs} ms: ${JSON.stringify(events(taskId))}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    events,
    waitFor,
    waitForTerminal: (taskId, timeoutMs) => waitFor(taskId, isTerminalEvent, timeoutMs),
    async close() {
      await subscriber.quit();
    },
  };
}
