import type { HttpBindings } from '@hono/node-server';
import type { RecordedRequest } from '../request-log.js';

/** Hono environment of the mock: Node bindings plus the per-request log entry. */
export type MockEnv = {
  Bindings: HttpBindings;
  Variables: {
    /** Live log entry of this request; handlers fill in model, body, stream and fault. */
    entry: RecordedRequest;
    /** Aborted when the connection of this request closes, for whatever reason. */
    closed: AbortSignal;
  };
};
