import { EventSource } from 'eventsource';
import type { StreamRecord } from './oracle.js';

/** A live SSE subscription to one task; `done` resolves with what it received. */
export interface TaskStream {
  readonly done: Promise<StreamRecord>;
  close(): void;
}

/**
 * Follows `GET /api/tasks/:id/events` as a browser's EventSource would: on a dropped
 * connection it reconnects with `Last-Event-ID`, to whichever API `apiUrl()` names then.
 * Records every event id; reassembles the token text, starting over on `reset`.
 */
export function followTask(
  taskId: string,
  headers: Record<string, string>,
  apiUrl: () => string,
  timeoutMs = 90_000,
): TaskStream {
  const ids: string[] = [];
  let text = '';
  let last: string | undefined;
  let connections = 0;
  let closed = false;
  const source = new EventSource(`${apiUrl()}/api/tasks/${taskId}/events`, {
    // EventSource gives up on any answer but 200. The API answers 503 with Retry-After while
    // Redis is unreachable (an outage, a cluster failing over); a client that honours it tries
    // again after that delay, as this one does.
    fetch: async (input, init) => {
      for (;;) {
        const url = new URL(String(input));
        const current = new URL(apiUrl());
        url.host = current.host;
        connections += 1;
        const response = await fetch(url, { ...init, headers: { ...init.headers, ...headers } });
        if (response.status !== 503 || closed) return response;
        await response.body?.cancel();
        const seconds = Number(response.headers.get('retry-after') ?? '1');
        await new Promise((resolve) => setTimeout(resolve, (seconds || 1) * 1_000));
      }
    },
  });
  let finish: (record: StreamRecord) => void = () => undefined;
  const done = new Promise<StreamRecord>((resolve) => (finish = resolve));
  const timer = setTimeout(() => close(), timeoutMs);
  function close(): void {
    closed = true;
    clearTimeout(timer);
    source.close();
    finish({ taskId, ids, text, last, connections });
  }
  const record =
    (type: string) =>
    (event: { data?: string; lastEventId?: string }): void => {
      // EventSource's own `error` (a dropped connection, which it retries) carries no data;
      // the task's `error` event does.
      if (event.data === undefined) return;
      if (event.lastEventId !== undefined && event.lastEventId !== '') ids.push(event.lastEventId);
      last = type;
      if (type === 'token') text += (JSON.parse(event.data) as { text: string }).text;
      if (type === 'reset') text = '';
      if (type === 'done' || type === 'error') close();
    };
  for (const type of [
    'queued',
    'started',
    'token',
    'retrying',
    'reset',
    'fallback',
    'done',
    'error',
  ]) {
    source.addEventListener(type, record(type));
  }
  return { done, close };
}
