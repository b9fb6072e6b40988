import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '@aiq/providers';
import type { WorkerDeps } from '../worker-deps.js';
import { enterProviderBudget, type BudgetedCall, type HeldTokens } from './provider-budget.js';

/** A call that waits inside its attempt, abortably and no later than its deadline. */
export interface WaitingCall extends BudgetedCall {
  /** Aborted on cancel or shutdown: the wait ends at once. */
  readonly signal: AbortSignal;
}

/**
 * The budget step of a background task's call: waits inside the attempt, like the
 * requests-per-minute slot (`waitForProviderSlot`), until the provider key's token budget and the
 * provider's reported limits let the call go. A background task's calls are made from inside its
 * handler (one per chunk and a final one), where no job is at hand to move; so it waits as it does
 * for an RPM slot or a retry-after, holding its worker, bounded by the attempt's deadline, and
 * cancel ends the wait at once.
 * @returns the tokens held for the call (undefined when the provider has no token budget)
 * @throws ProviderError `cancelled` when `signal` aborts, `timeout` when the wait would outlast
 *   the call's deadline
 */
export async function waitForProviderBudget(
  deps: WorkerDeps,
  call: WaitingCall,
): Promise<HeldTokens | undefined> {
  const provider = call.model.provider;
  for (;;) {
    if (call.signal.aborted) throw cancelled(provider, call.signal);
    const gate = await enterProviderBudget(deps, call);
    if (gate.kind === 'go') return gate.held;
    if (Date.now() + gate.waitMs >= call.deadlineAt) {
      throw new ProviderError({
        kind: 'timeout',
        provider,
        message: `${provider} ${gate.reason === 'pacing' ? 'rate limit resets' : 'token budget frees up'} in ${gate.waitMs} ms, past this attempt's deadline`,
      });
    }
    try {
      await sleep(gate.waitMs, undefined, { signal: call.signal });
    } catch (error) {
      if (call.signal.aborted) throw cancelled(provider, call.signal);
      throw error;
    }
  }
}

function cancelled(provider: string, signal: AbortSignal): ProviderError {
  return new ProviderError({
    kind: 'cancelled',
    message: `aborted (${String(signal.reason)}) while waiting for the ${provider} token budget`,
  });
}
