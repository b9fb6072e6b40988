import type { Logger } from '@aiq/logger';

/** Typed context variables (`c.var`) of every route. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    /** Set by the authenticate middleware. */
    user: { id: string; role: 'user' | 'operator'; keyId: string };
    /** The Redis key of the stream token a request came with, if any (the stream holds it). */
    streamTokenKey: string | undefined;
    /**
     * Set once a task was accepted (its job enqueued) for this request: the rate limiter then
     * keeps the request's point whatever the answer (see `acceptedWork`).
     */
    workAccepted: boolean;
  };
}
