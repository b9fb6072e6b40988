import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a closing connection waits for its client to close too (nginx: lingering_timeout). */
const LINGER_MS = 2_000;

/**
 * Half-closes `socket` after `response`, then waits for the client to close its side (it does
 * once it has read the response) or for LINGER_MS, and only then destroys it. Destroying at
 * once, while the client is still sending its request, makes the kernel answer those bytes with
 * a reset, and a reset can overtake the response: the client sees `EPIPE` or `ECONNRESET`
 * instead of its 413 or 431. nginx's lingering close, for the same reason.
 */
function endThenLinger(socket: Duplex, response?: string): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.on('error', () => socket.destroy());
  if (response === undefined) socket.end();
  else socket.end(response);
}

/**
 * Makes the close that Node's HTTP server does after a `Connection: close` response (it calls
 * `socket.destroySoon()`) a lingering one, for a response that left the request body unread.
 */
export function lingerBeforeClose(socket: Duplex): void {
  const closing = socket as Duplex & { destroySoon?: () => void };
  if (typeof closing.destroySoon !== 'function') return;
  closing.destroySoon = () => endThenLinger(socket);
}

/** Errors of Node's HTTP parser, and the answers an API client can read. */
function answerFor(code: string | undefined): [status: number, code: string, message: string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers_too_large', 'The request line and headers exceed 16 KiB'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'payload_too_large', 'Chunk extensions are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request_timeout', 'The request was not received in time'];
    default:
      return [400, 'bad_request', 'The request is not valid HTTP/1.1'];
  }
}

const answered = new WeakSet<Duplex>();

/**
 * The server's `clientError` handler: a request Node's parser refuses (headers past 16 KiB,
 * broken framing, a timeout) gets the API's `{error:{code,message}}` body, and its connection
 * a lingering close, where Node's default answers with a bare status line and destroys the
 * socket with the rest of the request unread.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // The parser stays in its error state: each further chunk of the request comes back here.
  if (answered.has(socket)) return;
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const [status, code, message] = answerFor(error.code);
  const body = JSON.stringify({ error: { code, message } });
  endThenLinger(
    socket,
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
