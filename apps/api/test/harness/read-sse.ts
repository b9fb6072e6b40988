import { parseSse, type ParsedSse } from '../../src/testing/parse-sse.js';

export interface ReadSseOptions {
  readonly headers: Record<string, string>;
  /** Disconnect after this many events; absent, read to the end of the stream. */
  readonly stopAfter?: number;
}

/**
 * Opens an SSE response and reads events as they arrive, like a browser would; with
 * `stopAfter`, aborts the connection mid-stream (the client "disconnects").
 */
export async function readSse(
  url: string,
  { headers, stopAfter }: ReadSseOptions,
): Promise<ParsedSse[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200)
    throw new Error(`${url}: ${response.status} ${await response.text()}`);
  if (response.body === null) throw new Error(`${url}: no body`);
  const decoder = new TextDecoder();
  const events: ParsedSse[] = [];
  let buffer = '';
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value as Uint8Array, { stream: true });
      const end = buffer.lastIndexOf('\n\n');
      if (end === -1) continue;
      for (const event of parseSse(buffer.slice(0, end + 2))) {
        events.push(event);
        if (events.length === stopAfter) return events;
      }
      buffer = buffer.slice(end + 2);
    }
  } finally {
    controller.abort();
  }
}
