import { EventSource } from 'eventsource';
import type { StreamRecord } from './oracle.js';

/** A live SSE subscription to one task; `done` resolves with what it received. */
export interface TaskStream {
  readonly done: Promise<StreamRecord>;
  close(): void;
}

/** Where a client that already read part of a task's events picks up (another response's). */
interface ResumePoint {
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
 * GET of a task's stream that honours a 503's Retry-After, as a client should: EventSource
 * gives up on any answer but 200, and the API answers 503 while Redis is unreachable (an outage,
 * a cluster failing over). Stops retrying once `closed()`.
 */
async function openStream(
  url: string,
  init: RequestInit,
  headers: Record<string, string>,
  closed: () => boolean,
): Promise<Response> {
  for (;;) {
    const response = await fetch(url, { ...init, headers: { ...init.headers, ...headers } });
    if (response.status !== 503 || closed()) return response;
    await response.body?.cancel();
    const seconds = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, (seconds || 1) * 1_000));
  }
}

/**
 * Records one task's events from an EventSource whose connections `connect` opens (it gets the
 * connection number, from 1, the EventSource's request init, `Last-Event-ID` included, and
 * whether the stream was closed). Records every event id; reassembles the token text, starting
 * over on `reset`; a stream resumed `from` another response starts with what that one read.
 */
function recordTask(
  taskId: () => string,
  connect: (connection: number, init: RequestInit, closed: () => boolean) => Promise<Response>,
  timeoutMs: number,
  from?: ResumePoint,
): TaskStream {
  const ids: string[] = [...(from?.ids ?? [])];
  let text = from?.text ?? '';
  let last: string | undefined;
  let connections = from === undefined ? 0 : 1;
  let closed = false;
  const source = new EventSource('http://chaos.invalid/', {
    fetch: (_input, init) => {
      // Until an event comes here, EventSource has no id of its own to send on reconnect.
      const resume =
        from !== undefined && ids.length === from.ids.length
          ? { 'last-event-id': from.lastEventId }
          : {};
      return connect(
        (connections += 1),
        { ...init, headers: { ...init.headers, ...resume } },
        () => closed,
      );
    },
  });
  let finish: (record: StreamRecord) => void = () => undefined;
  const done = new Promise<StreamRecord>((resolve) => (finish = resolve));
  const timer = setTimeout(() => close(), timeoutMs);
  function close(): void {
    closed = true;
    clearTimeout(timer);
    source.close();
    finish({ taskId: taskId(), ids, text, last, connections });
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
  // A refused first connection ends the EventSource for good: nothing more will come.
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) close();
  });
  return { done, close };
}

/**
 * Follows `GET /api/tasks/:id/events` as a browser's EventSource would: on a dropped
 * connection it reconnects with `Last-Event-ID`, to whichever API `apiUrl()` names then.
 */
export function followTask(
  taskId: string,
  headers: Record<string, string>,
  apiUrl: () => string,
  { timeoutMs = 90_000, resumeFrom }: FollowTaskOptions = {},
): TaskStream {
  return recordTask(
    () => taskId,
    (_connection, init, closed) =>
      openStream(`${apiUrl()}/api/tasks/${taskId}/events`, init, headers, closed),
    timeoutMs,
    resumeFrom,
  );
}

/** A streamed submission: `accepted` resolves with its task id, or undefined when refused. */
export interface StreamedSubmission extends TaskStream {
  readonly accepted: Promise<{ readonly taskId: string | undefined; readonly status: string }>;
}

/**
 * Submits `POST /api/ai/generate` with `stream: true` and reads the answer, which is the task's
 * SSE stream, as a client would: the task id comes in `X-Task-Id`, and a dropped stream resumes
 * on `GET /api/tasks/:id/events` with `Last-Event-ID`.
 */
export function submitStreaming(
  body: Record<string, unknown>,
  headers: Record<string, string>,
  apiUrl: () => string,
  timeoutMs = 90_000,
): StreamedSubmission {
  let taskId: string | undefined;
  let accept: (outcome: { taskId: string | undefined; status: string }) => void = () => undefined;
  const accepted = new Promise<{ taskId: string | undefined; status: string }>(
    (resolve) => (accept = resolve),
  );
  const stream = recordTask(
    () => taskId ?? 'refused',
    async (connection, init, closed) => {
      if (connection > 1 && taskId !== undefined) {
        return openStream(`${apiUrl()}/api/tasks/${taskId}/events`, init, headers, closed);
      }
      try {
        const response = await fetch(`${apiUrl()}/api/ai/generate`, {
          ...init,
          method: 'POST',
          headers: { ...init.headers, ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ ...body, stream: true }),
        });
        if (response.ok) taskId = response.headers.get('x-task-id') ?? undefined;
        accept({ taskId, status: String(response.status) });
        return response;
      } catch (error) {
        accept({ taskId: undefined, status: 'network' });
        throw error;
      }
    },
    timeoutMs,
  );
  return { ...stream, accepted };
}
