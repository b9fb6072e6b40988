import { ProviderError } from '@aiq/providers';
import { generationQueueName } from '@aiq/queue';
import { errorCodeOf } from '../error-code.js';
import { holdProvider } from '../generation/hold-provider.js';
import { providerLimiter } from '../generation/provider-limiter.js';
import {
  FailedAttempt,
  runProviderAttempt,
  type AttemptSuccess,
  type ProviderAttempt,
} from '../generation/run-provider-attempt.js';
import { settleProviderBudget, type HeldTokens } from '../generation/provider-budget.js';
import { waitForProviderBudget } from '../generation/wait-for-provider-budget.js';
import { waitForProviderSlot } from '../generation/wait-for-provider-slot.js';
import { waitForRoute } from './wait-for-route.js';
import { providerHoldMs } from '../retry-policy.js';
import type { WorkerDeps } from '../worker-deps.js';

/**
 * One model call of a background task, held to its provider's limits like a generation job:
 * each request waits (abortably, within the deadline) for its provider key's token budget and
 * the provider's reported limits, then takes a slot from the provider queue's BullMQ limiter,
 * and a retryable error with a retry-after that ends before the attempt's deadline holds the whole provider queue (`queue.rateLimit`), publishes `retrying`
 * and calls again, without charging the job an attempt. Anything else is left to the retry policy.
 * @throws FailedAttempt
 */
export async function runLimitedProviderCall(
  deps: WorkerDeps,
  call: ProviderAttempt,
): Promise<AttemptSuccess> {
  const provider = call.model.provider;
  const queue = deps.queues[generationQueueName(provider)];
  const slot = {
    redis: deps.redis,
    provider,
    queue,
    limiter: providerLimiter(deps.config, provider),
    signal: call.signal,
    deadlineAt: call.deadlineAt,
  };
  for (let repeat = 0; ; repeat += 1) {
    const probeId = await waitForRoute(deps, call).catch((error: unknown) => {
      throw ProviderError.isInstance(error) ? new FailedAttempt(error, '') : error;
    });
    let budget: HeldTokens | undefined;
    try {
      // The token budget and the provider's reported limits first, then the requests-per-minute slot.
      budget = await waitForProviderBudget(deps, call);
      await waitForProviderSlot(slot);
    } catch (error) {
      // The call never went: free a probe slot it may hold rather than leave it to the lease.
      await deps.routing.breaker.record(provider, call.model.id, 'neutral', probeId);
      await settleProviderBudget(deps, budget, { usage: null, sent: false });
      // No request was made, so there is no row to write and no partial text.
      throw ProviderError.isInstance(error) ? new FailedAttempt(error, '') : error;
    }
    try {
      // A failed call's row id comes from its run (`attemptRecordId`): the first call keeps the
      // job's run, each repeat gets its own (`3.1`, `3.2`) so its row is not merged into the first.
      const run = repeat === 0 ? call.run : `${call.run}.${repeat}`;
      return await runProviderAttempt(deps, { ...call, run, probeId, budget });
    } catch (error) {
      if (!(error instanceof FailedAttempt)) throw error;
      const holdMs = providerHoldMs(error.error, {
        deadlineAt: call.deadlineAt,
        maxMs: deps.config.retryAfter.maxMs,
      });
      if (holdMs === undefined) throw error;
      // Every worker's calls to this provider wait, generation jobs included, as they do for
      // a generation job's retry-after.
      await holdProvider(deps, queue, {
        taskId: call.taskId,
        attempt: call.attempt,
        holdMs,
        code: errorCodeOf(error.error),
        partialText: error.partialText,
      });
      deps.logger.info(
        { taskId: call.taskId, step: call.step, provider, holdMs },
        'provider asked to retry later: holding it and calling again',
      );
    }
  }
}
