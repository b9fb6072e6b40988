import { EventSource } from 'eventsource';
import { STREAM_EVENT_TYPES } from './sse-workload.js';

/** One open SSE stream, as the `eventsource` library (WHATWG EventSource) receives it. */
export interface SseClient {
  /** The ids (`Last-Event-ID`) of the events received, in arrival order. */
  readonly ids: readonly number[];
  /** Resolves when `done` arrived (the client then closes); rejects when the stream failed. */
  readonly finished: Promise<void>;
  close(): void;
}

/**
 * Opens an EventSource on `url` with `headers` on its request and resolves once the server
 * answered 200 (the `open` event). The client closes itself at `done`, so it never reconnects;
 * a connection error before that fails `finished` (the bench never lets EventSource hide a drop
 * by reconnecting).
 */
export function openSseClient(url: string, headers: Record<string, string>): Promise<SseClient> {
  const ids: number[] = [];
  const source = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...headers } }),
  });
  let fail: (error: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    fail = reject;
    for (const type of STREAM_EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        ids.push(Number(event.lastEventId));
        if (type === 'done') {
          source.close();
          resolve();
        }
      });
    }
  });
  finished.catch(() => undefined); // awaited by the caller; never an unhandled rejection
  return new Promise((resolve, reject) => {
    source.addEventListener('open', () => resolve({ ids, finished, close: () => source.close() }), {
      once: true,
    });
    source.addEventListener('error', (event) => {
      source.close();
      const error = new Error(`${url}: SSE stream failed (${event.message ?? 'no message'})`);
      fail(error);
      reject(error);
    });
  });
}

/** Opens `count` clients, `inFlight` openings at a time (a crowd arriving, not one burst). */
export async function openSseClients(
  count: number,
  inFlight: number,
  open: (index: number) => Promise<SseClient>,
): Promise<SseClient[]> {
  const clients: SseClient[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        clients[index] = await open(index);
      }
    }),
  );
  return clients;
}

/** Every client received ids 1 … `expected` exactly once and in order: none lost or duplicated. */
export function countBadStreams(clients: readonly SseClient[], expected: number): number {
  return clients.filter(
    (client) =>
      client.ids.length !== expected || client.ids.some((id, position) => id !== position + 1),
  ).length;
}
