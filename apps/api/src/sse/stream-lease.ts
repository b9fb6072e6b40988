import type { Context } from 'hono';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import { holdStreamToken } from '../tasks/stream-tokens.js';
import { acquireStreamSlot } from './stream-slots.js';

/** What an open event stream holds in Redis: its user's slot and, if it came with one, its token. */
export interface StreamLease {
  /** Gives the slot back and starts the token's grace period; idempotent. */
  release(): Promise<void>;
}

/**
 * Takes a slot under the caller's cap on open streams (429 `too_many_streams` beyond it, as
 * nginx's `limit_conn`), and refreshes it, and the stream token the request came with, every
 * third of the lease until released. A process that dies stops refreshing: its slots lapse
 * after `SSE_SLOT_LEASE_MS`, its tokens a grace period later.
 */
export async function openStreamLease(c: Context<AppEnv>, deps: ApiDeps): Promise<StreamLease> {
  const { maxStreamsPerUser, slotLeaseMs, streamTokenGraceMs } = deps.config.sse;
  const slot = await acquireStreamSlot({
    redis: deps.redis,
    prefix: deps.config.redis.prefix,
    userId: c.var.user.id,
    max: maxStreamsPerUser,
    leaseMs: slotLeaseMs,
  });
  if (slot === undefined) {
    // A slot frees when a stream closes; the lease is the longest a dead process holds one.
    throw new ApiError(
      429,
      'too_many_streams',
      `More than ${maxStreamsPerUser} event streams open at once; close one or retry later`,
      { 'Retry-After': String(Math.ceil(slotLeaseMs / 1_000)) },
    );
  }
  const tokenKey = c.var.streamTokenKey;
  // The lease outlives the request by minutes: it keeps the process's logger and the request's
  // id, not the request's context and child logger (issue 14, B4: memory per open stream).
  const requestId = c.var.requestId;
  const hold = async () => {
    await slot.refresh();
    if (tokenKey !== undefined) {
      await holdStreamToken(deps.redis, tokenKey, slotLeaseMs + streamTokenGraceMs);
    }
  };
  if (tokenKey !== undefined) {
    await holdStreamToken(deps.redis, tokenKey, slotLeaseMs + streamTokenGraceMs);
  }
  const refresh = () => {
    hold().catch((error: unknown) => {
      deps.logger.warn({ requestId, err: (error as Error).message }, 'stream lease refresh failed');
    });
  };
  const timer = setInterval(refresh, Math.max(100, Math.floor(slotLeaseMs / 3)));
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      try {
        await slot.release();
        if (tokenKey !== undefined) {
          await holdStreamToken(deps.redis, tokenKey, streamTokenGraceMs);
        }
      } catch (error) {
        // Redis is away: the slot lapses with its lease, the token with its last hold.
        deps.logger.warn(
          { requestId, err: (error as Error).message },
          'stream lease release failed',
        );
      }
    },
  };
}
