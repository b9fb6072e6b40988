/** One server-sent event. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/**
 * An incremental `text/event-stream` parser (the WHATWG rules aiq needs: `event`, `data`, `id`,
 * comments, CRLF or LF), fed chunks of text as they arrive.
 */
export function createSseParser(): { feed(chunk: string): ServerSentEvent[] } {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  return {
    feed(chunk) {
      buffer += chunk;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? ''; // an unfinished line waits for the next chunk
      const events: ServerSentEvent[] = [];
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0)
            events.push({ event: event || 'message', data: data.join('\n'), id });
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue; // a heartbeat comment
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      return events;
    },
  };
}
