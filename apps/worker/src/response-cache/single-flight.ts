import { ProviderError } from '@aiq/providers';
import { DelayedError, type Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.js';
import { acquireFlightLease, flightKey, type FlightLease } from './flight-lease.js';
import {
  responseCacheKey,
  responseCacheWanted,
  type CacheableRequest,
} from './response-cache-key.js';
import { readCachedResponse, type CachedResponse } from './response-cache-store.js';

/**
 * How long a flight outlives a leader that stopped extending it (a killed worker): a follower
 * takes over at most this long after.
 */
const FLIGHT_LEASE_MS = 10_000;

/** How often a follower looks again, waiting in the delayed set rather than on a worker. */
const FOLLOWER_POLL_MS = 100;

/** Where a generation stands with the response cache before it calls a provider. */
export type CacheEntry =
  /** The cache is off for this request (its choice, its temperature, or a TTL of 0). */
  | { readonly kind: 'off' }
  /** Answer from the cache: no provider call. */
  | { readonly kind: 'hit'; readonly key: string; readonly response: CachedResponse }
  /** This job makes the one provider call and stores the answer; others wait for it. */
  | { readonly kind: 'lead'; readonly key: string; readonly lease: FlightLease };

/** The request, and the job that asks, for {@link enterResponseCache}. */
export interface CacheRequest extends CacheableRequest {
  readonly taskId: string;
  readonly cache?: boolean | undefined;
  /** Epoch ms: the task's deadline, which a follower never waits past. */
  readonly deadlineAt: number;
  readonly job: Job;
  readonly token: string | undefined;
}

/**
 * Step 1 of a generation's attempt: the response cache and its single flight. A hit answers;
 * on a miss the job takes the key's flight and leads, or, when another request leads, waits
 * in the delayed set without holding a worker (no attempt charged) and looks again. A leader
 * that fails frees the flight; the next follower to look takes it over.
 * @throws DelayedError for a follower that must wait (the processor rethrows it to BullMQ)
 * @throws ProviderError `timeout` for a follower whose deadline comes before the answer
 */
export async function enterResponseCache(
  deps: WorkerDeps,
  request: CacheRequest,
): Promise<CacheEntry> {
  if (!responseCacheWanted(request, deps.config.responseCache.ttlMs)) return { kind: 'off' };
  const prefix = deps.config.redis.prefix;
  const key = responseCacheKey(request);
  const cached = await readCachedResponse(deps.redis, prefix, key);
  if (cached !== undefined) return { kind: 'hit', key, response: cached };
  const lease = await acquireFlightLease(deps.redis, flightKey(prefix, key), {
    holder: `${request.taskId}:${request.job.attemptsStarted}`,
    leaseMs: FLIGHT_LEASE_MS,
  });
  if (lease !== undefined) {
    // The leader before us may have stored its answer and freed the flight since we looked.
    const stored = await readCachedResponse(deps.redis, prefix, key);
    if (stored === undefined) return { kind: 'lead', key, lease };
    await lease.release();
    return { kind: 'hit', key, response: stored };
  }
  const wakeAt = Date.now() + FOLLOWER_POLL_MS;
  if (wakeAt >= request.deadlineAt) {
    throw new ProviderError({
      kind: 'timeout',
      message: 'The task reached its deadline while an identical request was being answered',
    });
  }
  await request.job.moveToDelayed(wakeAt, request.token);
  throw new DelayedError();
}
