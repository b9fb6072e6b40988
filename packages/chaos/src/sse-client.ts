import { EventSource } from 'eventsource';
import type { StreamRecord } from './oracle.js';

/** A live SSE subscription to one task; `done` resolves with what it received. */
export interface TaskStream {
  readonly done: Promise<StreamRecord>;
  close(): void;
}

/** Where a client that already read part of a task's events picks up (another response's). */
export interface ResumePoint {
  readonly lastEventId: string;
  readonly ids: readonly string[];
  readonly text: string;
}

export interface FollowTaskOptions {
  /** Give up (and record what came) after this long. @defaultValue 90 000 ms */
  timeoutMs?: number;
  /** Resume after events already received elsewhere: the first request sends `Last-Event-ID`. */
  resumeFrom?: ResumePoint;
}

const EVENT_TYPES = [
  'queued',
  'started',
  'token',
  'retrying',
  'reset',
  'fallback',
  'done',
  'error',
  'cancelled',
];

/**
 * Follows `GET /api/tasks/:id/events` as a browser's EventSource would: on a dropped
 * connection it reconnects with `Last-Event-ID`, to whichever API `apiUrl()` names then.
 * Records every event id; reassembles the token text, starting over on `reset`.
 */
export function followTask(
  taskId: string,
  headers: Record<string, string>,
  apiUrl: () => string,
  { timeoutMs = 90_000, resumeFrom }: FollowTaskOptions = {},
): TaskStream {
  const ids: string[] = [...(resumeFrom?.ids ?? [])];
  let text = resumeFrom?.text ?? '';
  let last: string | undefined;
  let connections = resumeFrom === undefined ? 0 : 1;
  const source = new EventSource(`${apiUrl()}/api/tasks/${taskId}/events`, {
    fetch: (input, init) => {
      const url = new URL(String(input));
      const current = new URL(apiUrl());
      url.host = current.host;
      // Only the first request: EventSource sends its own Last-Event-ID on reconnects.
      const resume =
        resumeFrom !== undefined && ids.length === resumeFrom.ids.length
          ? { 'last-event-id': resumeFrom.lastEventId }
          : {};
      connections += 1;
      return fetch(url, { ...init, headers: { ...init.headers, ...resume, ...headers } });
    },
  });
  let finish: (record: StreamRecord) => void = () => undefined;
  const done = new Promise<StreamRecord>((resolve) => (finish = resolve));
  const timer = setTimeout(() => close(), timeoutMs);
  function close(): void {
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
      if (type === 'done' || type === 'error' || type === 'cancelled') close();
    };
  for (const type of EVENT_TYPES) source.addEventListener(type, record(type));
  return { done, close };
}
