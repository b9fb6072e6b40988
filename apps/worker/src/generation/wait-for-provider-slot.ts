import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderName } from '@aiq/config';
import { ProviderError } from '@aiq/providers';
import type { Queue, RateLimiterOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { takeProviderSlot } from './provider-limiter.js';

/** Where the slot is taken from, and how long the caller may wait for it. */
export interface ProviderSlotRequest {
  readonly redis: Redis;
  readonly provider: ProviderName;
  /** The provider's generation queue, whose BullMQ limiter counter is the budget. */
  readonly queue: Queue;
  readonly limiter: RateLimiterOptions;
  /** Aborted on cancel or shutdown: the wait ends at once. */
  readonly signal: AbortSignal;
  /** Epoch ms: a wait that would end at or after this fails now instead. */
  readonly deadlineAt: number;
}

/**
 * Waits until the provider's budget has room (or its `queue.rateLimit` hold ends), then takes one
 * request from it. Several waiters may wake together; each retakes atomically, and the losers
 * wait again for the time Redis gives them.
 * @returns the ms spent waiting
 * @throws ProviderError `cancelled` when `signal` aborts, `timeout` when the provider's next free
 *   slot comes too late for `deadlineAt`
 */
export async function waitForProviderSlot(request: ProviderSlotRequest): Promise<number> {
  const { redis, provider, queue, limiter, signal, deadlineAt } = request;
  const startedAt = Date.now();
  for (;;) {
    if (signal.aborted) throw cancelledWhileWaiting(provider, signal);
    const waitMs = await takeProviderSlot(redis, queue, limiter);
    if (waitMs === 0) return Date.now() - startedAt;
    if (Date.now() + waitMs >= deadlineAt) {
      throw new ProviderError({
        kind: 'timeout',
        provider,
        message: `${provider} is rate-limited for ${waitMs} ms more, past this attempt's deadline`,
      });
    }
    try {
      await sleep(waitMs, undefined, { signal });
    } catch (error) {
      if (signal.aborted) throw cancelledWhileWaiting(provider, signal);
      throw error;
    }
  }
}

function cancelledWhileWaiting(provider: ProviderName, signal: AbortSignal): ProviderError {
  return new ProviderError({
    kind: 'cancelled',
    provider,
    message: `aborted (${String(signal.reason)}) while waiting for a ${provider} rate-limit slot`,
  });
}
