import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { lingerBeforeClose } from '../lingering-close.js';

/** The Node request under @hono/node-server; absent under `app.request()` in tests. */
function incomingOf(env: unknown): HttpBindings['incoming'] | undefined {
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return undefined;
  return (env as Partial<HttpBindings>).incoming;
}

/**
 * Closes the connection after a response that left the request's body unread: a 413, or a 401
 * answered before the body was looked at. Left on a keep-alive connection, the rest of that
 * body is not reliably drained by @hono/node-server once the body stream has been opened (the
 * body limit opens it), and the client's next request on the connection fails with a socket
 * error. `Connection: close` tells the client not to reuse the connection, and Node ends it
 * after the response: what nginx does on 413, and Go's net/http for unread bodies.
 *
 * Like nginx's lingering close, the socket is not destroyed the moment the response is out:
 * the client may still be sending its body, and a close with its bytes unread makes the kernel
 * answer with a reset that can reach the client before it has read the 413, which then sees
 * `EPIPE` instead of its answer (lingering-close.ts).
 */
export function closeOnUnreadBody(): MiddlewareHandler<AppEnv> {
  return async function closeIfBodyUnread(c, next) {
    await next();
    const incoming = incomingOf(c.env);
    if (incoming === undefined || incoming.readableEnded) return;
    const declaresBody =
      c.req.header('transfer-encoding') !== undefined ||
      Number(c.req.header('content-length') ?? 0) > 0;
    if (!declaresBody) return;
    c.header('Connection', 'close');
    lingerBeforeClose(incoming.socket);
  };
}
