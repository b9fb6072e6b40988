import { z } from 'zod';
import { FaultSpec, MockProvider } from './fault-spec.js';
import { RateLimitReport } from './http/rate-limit-windows.js';

/** One provider request as the mock saw it. Secrets in headers are `[redacted]`. */
export const RecordedRequest = z.object({
  /** The request id the mock returned (`x-request-id` / `request-id`). */
  id: z.string(),
  provider: MockProvider,
  method: z.string(),
  path: z.string(),
  /** Model from the body (or the path for `GET /models/:id`); null when there is none. */
  model: z.string().nullable(),
  stream: z.boolean(),
  /** When the request arrived (epoch ms). */
  timestamp: z.number(),
  headers: z.record(z.string(), z.string()),
  /** Parsed JSON body, or null for bodiless or unparsable requests. */
  body: z.unknown(),
  /** The fault applied, merged from header, directive and scenario; null when healthy. */
  fault: FaultSpec.nullable(),
  /**
   * Tokens the mock charged for a generation it answered: the prompt tokens and the completion
   * tokens it produced (up to a stream fault's cut). Null for errors and non-generation requests.
   */
  chargedTokens: z.object({ prompt: z.number(), completion: z.number() }).nullable(),
  /** The scripted rate limit's state this request was answered (or refused) with; null when none. */
  rateLimit: RateLimitReport.nullable(),
  /** Response status once headers were sent; null when none were (hang, early disconnect). */
  status: z.number().nullable(),
  /** When the connection for this request closed (epoch ms); null while it is open. */
  closedAt: z.number().nullable(),
  /** True when the response was written to the end; false when either side cut it short. */
  completed: z.boolean(),
});
export type RecordedRequest = z.infer<typeof RecordedRequest>;

/** Narrows `MockLlmServer.requests()` and `GET /_mock/requests`. */
export type RequestFilter = { provider?: MockProvider | undefined; path?: string | undefined };

// Headers that carry credentials; their values never reach the log.
const SECRET_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

/** Copies headers, replacing credential values with `[redacted]`. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const copy: Record<string, string> = {};
  headers.forEach((value, name) => {
    copy[name] = SECRET_HEADERS.has(name) ? '[redacted]' : value;
  });
  return copy;
}

/** The in-memory request log. Entries are updated in place while their request runs. */
export class RequestLog {
  readonly #entries: RecordedRequest[] = [];

  /** Adds an entry and returns the live object for the request handler to update. */
  add(entry: RecordedRequest): RecordedRequest {
    this.#entries.push(entry);
    return entry;
  }

  /** Snapshots of the matching entries, oldest first. */
  list(filter: RequestFilter = {}): RecordedRequest[] {
    return this.#entries
      .filter((entry) => filter.provider === undefined || entry.provider === filter.provider)
      .filter((entry) => filter.path === undefined || entry.path === filter.path)
      .map((entry) => structuredClone(entry));
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
