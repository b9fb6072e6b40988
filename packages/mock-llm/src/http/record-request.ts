import { randomBytes, randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { MockProvider } from '../fault-spec.js';
import { redactHeaders, type RequestLog } from '../request-log.js';
import type { MockEnv } from './mock-env.js';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random base62 text of `length` characters (for ids shaped like the providers'). */
export function randomBase62(length: number): string {
  return Array.from(randomBytes(length), (byte) => BASE62[byte % BASE62.length]).join('');
}

/** A request id in the provider's own shape (`req_<hex>` for OpenAI, `req_011C…` for Anthropic). */
function newRequestId(provider: MockProvider): string {
  switch (provider) {
    case 'openai':
      return `req_${randomBytes(16).toString('hex')}`;
    case 'anthropic':
      return `req_011C${randomBase62(20)}`;
    case 'deepseek':
      return randomUUID();
  }
}

/** Options of {@link recordRequest}. */
export type RecordRequestOptions = { provider: MockProvider; log: RequestLog };

/**
 * Logs every request of a provider sub-app and tracks its connection: `closedAt`,
 * `completed` and `status` are filled in when the response closes, and `c.var.closed`
 * aborts at that moment so hanging or slow handlers stop at once.
 */
export function recordRequest({ provider, log }: RecordRequestOptions): MiddlewareHandler<MockEnv> {
  return async function recordRequest(c, next) {
    const controller = new AbortController();
    const entry = log.add({
      id: newRequestId(provider),
      provider,
      method: c.req.method,
      path: c.req.path,
      model: null,
      stream: false,
      timestamp: Date.now(),
      headers: redactHeaders(c.req.raw.headers),
      body: null,
      fault: null,
      chargedTokens: null,
      rateLimit: null,
      status: null,
      closedAt: null,
      completed: false,
    });
    const outgoing = c.env.outgoing;
    outgoing.once('close', () => {
      entry.closedAt = Date.now();
      entry.completed = outgoing.writableFinished;
      entry.status = outgoing.headersSent ? outgoing.statusCode : null;
      controller.abort();
    });
    c.set('entry', entry);
    c.set('closed', controller.signal);
    await next();
  };
}
