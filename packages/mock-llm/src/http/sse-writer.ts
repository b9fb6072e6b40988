import type { ServerResponse } from 'node:http';

/**
 * Writes a Server-Sent Events response straight to the Node response, so each event is
 * flushed to the socket before the next step. Fault injection needs that precision: a
 * "disconnect after 3 tokens" must deliver exactly 3 tokens before the socket dies.
 */
export class SseWriter {
  readonly #outgoing: ServerResponse;
  readonly #closed: AbortSignal;

  constructor(outgoing: ServerResponse, closed: AbortSignal) {
    this.#outgoing = outgoing;
    this.#closed = closed;
  }

  /** True once the connection has closed; further writes are dropped. */
  get closed(): boolean {
    return this.#closed.aborted;
  }

  /** Sends status 200 and the SSE headers at once (time to first byte is not time to first token). */
  open(headers: Record<string, string>): void {
    this.#outgoing.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    this.#outgoing.flushHeaders();
  }

  /**
   * Writes raw text and waits until it is handed to the socket.
   * @returns false when the connection is gone
   */
  write(text: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#outgoing.write(text, (error) => resolve(!error));
    });
  }

  /** Writes one event: an optional `event:` line and a JSON `data:` line. */
  send(data: unknown, event?: string): Promise<boolean> {
    const prefix = event === undefined ? '' : `event: ${event}\n`;
    return this.write(`${prefix}data: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the response normally. */
  end(): void {
    if (!this.closed) this.#outgoing.end();
  }

  /** Kills the connection without ending the response: the client sees a broken stream. */
  destroy(): void {
    this.#outgoing.destroy();
  }
}
