import { EventSource } from 'eventsource';
import type { StreamRecord } from './oracle.js';

/** A live SSE subscription to one task; `done` resolves with what it received. */
export interface TaskStream {
  readonly done: Promise<StreamRecord>;
  close(): void;
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
];

/**
 * Records one task's events from an EventSource whose connections `connect` opens (it gets the
 * connection number, from 1, and the EventSource's request init, `Last-Event-ID` included).
 * Records every event id; reassembles the token text, starting over on `reset`.
 */
function recordTask(
  taskId: () => string,
  connect: (connection: number, init: RequestInit) => Promise<Response>,
  timeoutMs: number,
): TaskStream {
  const ids: string[] = [];
  let text = '';
  let last: string | undefined;
  let connections = 0;
  const source = new EventSource('http://chaos.invalid/', {
    fetch: (_input, init) => connect((connections += 1), init),
  });
  let finish: (record: StreamRecord) => void = () => undefined;
  const done = new Promise<StreamRecord>((resolve) => (finish = resolve));
  const timer = setTimeout(() => close(), timeoutMs);
  function close(): void {
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
      if (type === 'done' || type === 'error') close();
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
  timeoutMs = 90_000,
): TaskStream {
  return recordTask(
    () => taskId,
    (_connection, init) =>
      fetch(`${apiUrl()}/api/tasks/${taskId}/events`, {
        ...init,
        headers: { ...init.headers, ...headers },
      }),
    timeoutMs,
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
    async (connection, init) => {
      if (connection > 1 && taskId !== undefined) {
        return fetch(`${apiUrl()}/api/tasks/${taskId}/events`, {
          ...init,
          headers: { ...init.headers, ...headers },
        });
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
