import type { FaultSpec } from '../fault-spec.js';
import type { MockError } from '../generation/mock-error.js';
import type { RecordedRequest } from '../request-log.js';
import type { ProviderDialect } from './provider-dialect.js';

/** Headers every provider sends with a 429 or a scripted retry hint. */
function retryHeaders(
  retryAfter: number | null,
  retryAfterMs: number | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (retryAfter !== null) headers['retry-after'] = String(retryAfter);
  if (retryAfterMs !== undefined) headers['retry-after-ms'] = String(retryAfterMs);
  return headers;
}

/**
 * Renders a {@link MockError} in the dialect's format as a JSON response, with the request id,
 * rate-limit headers (exhausted on a 429) and any `retry-after` / `retry-after-ms` the fault asks for.
 */
export function sendError<T>(
  dialect: ProviderDialect<T>,
  entry: RecordedRequest,
  error: MockError,
  fault?: FaultSpec,
): Response {
  const reply = dialect.renderError(error, entry.id);
  const retryAfter = error.kind === 'rate_limit' ? error.retryAfter : (fault?.retryAfter ?? null);
  const limited = error.kind === 'rate_limit';
  const headers = {
    ...dialect.headers(entry, { limited, resetSeconds: limited ? (retryAfter ?? 1) : 0 }),
    ...retryHeaders(retryAfter, fault?.retryAfterMs),
    'content-type': 'application/json',
  };
  return new Response(JSON.stringify(reply.body), { status: reply.status, headers });
}

/** A 200 JSON response with the dialect's usual headers. */
export function sendJson<T>(
  dialect: ProviderDialect<T>,
  entry: RecordedRequest,
  body: unknown,
): Response {
  const headers = {
    ...dialect.headers(entry, { limited: false, resetSeconds: 0 }),
    'content-type': 'application/json',
  };
  return new Response(JSON.stringify(body), { status: 200, headers });
}
