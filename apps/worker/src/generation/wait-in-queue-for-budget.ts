import { ProviderError } from '@aiq/providers';
import { DelayedError, type Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.js';
import { enterProviderBudget, type BudgetedCall, type HeldTokens } from './provider-budget.js';

/** The job that waits, and the task deadline its wait may not pass. */
export interface QueuedCall extends BudgetedCall {
  readonly job: Job;
  readonly token: string | undefined;
  readonly taskId: string;
  /** Epoch ms: the whole task's deadline. */
  readonly taskDeadlineAt: number;
  /** The probe slot routing won for this call, freed when the call does not go now. */
  readonly probeId?: string | undefined;
}

/**
 * A generation job's budget step: the tokens held for its call, or, when its provider key's token
 * budget is spent or the provider's reported limits say slow down, the job goes back to its queue
 * delayed until then (`moveToDelayed` + `DelayedError`): no worker is held while it waits and no
 * attempt is charged.
 * @throws DelayedError after moving the job; ProviderError `timeout` when the wait would outlast
 *   the task's deadline (so the task can fall back instead of waiting in vain)
 */
export async function holdBudgetOrDelay(
  deps: WorkerDeps,
  call: QueuedCall,
): Promise<HeldTokens | undefined> {
  try {
    return await holdOrDelay(deps, call);
  } catch (error) {
    // The call does not go now: free the probe slot routing may have won for it.
    if (call.probeId !== undefined) {
      await deps.routing.breaker.record(
        call.model.provider,
        call.model.id,
        'neutral',
        call.probeId,
      );
    }
    throw error;
  }
}

async function holdOrDelay(deps: WorkerDeps, call: QueuedCall): Promise<HeldTokens | undefined> {
  const gate = await enterProviderBudget(deps, call);
  if (gate.kind === 'go') return gate.held;
  const provider = call.model.provider;
  const until = Date.now() + gate.waitMs;
  if (until >= call.taskDeadlineAt) {
    throw new ProviderError({
      kind: 'timeout',
      provider,
      message: `${provider} ${gate.reason === 'pacing' ? 'rate limit resets' : 'token budget frees up'} in ${gate.waitMs} ms, past the task's deadline`,
    });
  }
  deps.logger.info(
    { taskId: call.taskId, provider, waitMs: gate.waitMs, reason: gate.reason },
    'waiting in the queue for the provider budget',
  );
  await call.job.moveToDelayed(until, call.token);
  throw new DelayedError();
}
