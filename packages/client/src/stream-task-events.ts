import { isTerminalEvent, TaskEvent } from '@aiq/events';
import { AiqError } from './aiq-error.js';
import { createSseParser } from './sse-parser.js';

export interface StreamTaskEventsOptions {
  /** Resume after this sequence number (a `Last-Event-ID` kept from an earlier stream). */
  readonly lastEventId?: number;
  readonly signal?: AbortSignal;
  /**
   * Consecutive failed connection attempts before giving up; a connection that delivers an
   * event resets the count.
   * @defaultValue 10
   */
  readonly maxRetries?: number;
  /**
   * First reconnect delay, doubled per consecutive failure up to 5 s.
   * @defaultValue 250
   */
  readonly retryDelayMs?: number;
  /**
   * Keep following after a terminal event, for a retry of the task (`retried`, then its new
   * run). Ends only when `signal` aborts.
   * @defaultValue false
   */
  readonly followRetries?: boolean;
}

/** How {@link streamTaskEvents} opens one connection; the client supplies URL and headers. */
export type OpenEventStream = (
  lastEventId: number,
  signal: AbortSignal,
  options: { readonly followRetries: boolean },
) => Promise<Response>;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Reads one connection's events, remembering the last sequence in `state`. */
async function* readConnection(response: Response, state: { lastEventId: number }) {
  if (response.body === null) return;
  const parser = createSseParser();
  const decoder = new TextDecoder();
  // Node's typings leave the chunk type open; fetch bodies are bytes.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (const message of parser.feed(decoder.decode(value, { stream: true }))) {
        const event = TaskEvent.parse(JSON.parse(message.data));
        if (event.sequence <= state.lastEventId) continue; // never twice, even across servers
        state.lastEventId = event.sequence;
        yield event;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * A task's events, each exactly once and in order, until its terminal event. A dropped
 * connection (network, a restarted API process, a load balancer moving the client) is reopened
 * with `Last-Event-ID` after a short backoff, or the `Retry-After` of a 429 or 503 when longer
 * (the cap on open streams); 4xx answers other than 429 are thrown at once.
 * A terminal event may be followed by `retried` when the task was retried: a replay goes
 * through to the latest end, and `followRetries` waits for retries still to come.
 */
export async function* streamTaskEvents(
  open: OpenEventStream,
  {
    lastEventId = 0,
    signal,
    maxRetries = 10,
    retryDelayMs = 250,
    followRetries = false,
  }: StreamTaskEventsOptions = {},
): AsyncGenerator<TaskEvent> {
  const state = { lastEventId };
  let failures = 0;
  while (!signal?.aborted) {
    /** At least what the API asked for (`Retry-After` on 429 and 503). */
    let retryAfterMs = 0;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort);
    try {
      const response = await open(state.lastEventId, controller.signal, { followRetries });
      if (!response.ok) throw await AiqError.fromResponse(response);
      // 204: this client already has the task's end, and nothing followed it.
      if (response.status === 204) return;
      let delivered = false;
      let ended = false;
      // The server closes the stream after the latest terminal event; read to the close, so
      // a replay that holds `error`, `retried`, … `done` is delivered whole.
      for await (const event of readConnection(response, state)) {
        delivered = true;
        failures = 0;
        ended = isTerminalEvent(event);
        yield event;
      }
      if (ended && !followRetries) return;
      // Ended without its terminal event (a server shutting down): reconnect and resume.
      if (!delivered) failures += 1;
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof AiqError && !error.retryable) throw error;
      if (error instanceof AiqError) retryAfterMs = error.retryAfterMs ?? 0;
      failures += 1;
      if (failures > maxRetries) throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      controller.abort(); // ends the connection if the consumer stopped early
    }
    if (failures > maxRetries) {
      throw new AiqError(503, 'stream_ended', 'The event stream kept ending without events');
    }
    const backoffMs = Math.min(5_000, retryDelayMs * 2 ** Math.max(0, failures - 1));
    await sleep(Math.max(backoffMs, retryAfterMs), signal);
  }
}
