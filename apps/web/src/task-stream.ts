import { streamTaskEvents, type TaskEvent } from '@aiq/client';
import { callApi } from './session.js';

interface StreamGrant {
  readonly token: string;
  readonly eventsUrl: string;
}

/**
 * A task's events through `@aiq/client`, each exactly once, resuming with `Last-Event-ID`
 * after a dropped connection. Every connection opens with a stream token
 * (`POST /api/tasks/:id/stream-token`): the API key stays in a header, never in a URL.
 */
export function streamTask(
  apiKey: string,
  taskId: string,
  signal: AbortSignal,
): AsyncGenerator<TaskEvent> {
  return streamTaskEvents(
    async (lastEventId, connection) => {
      const grant = await callApi<StreamGrant>(apiKey, `/api/tasks/${taskId}/stream-token`, {
        method: 'POST',
      });
      return fetch(grant.eventsUrl, {
        headers: {
          accept: 'text/event-stream',
          ...(lastEventId > 0 ? { 'last-event-id': String(lastEventId) } : {}),
        },
        signal: connection,
      });
    },
    { signal, maxRetries: 30, retryDelayMs: 250 },
  );
}
