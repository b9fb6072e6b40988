import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '@aiq/providers';
import type { ProviderAttempt } from '../generation/run-provider-attempt.js';
import type { WorkerDeps } from '../worker-deps.js';

/** How often a background call looks again at a disabled provider or model. */
const DISABLED_RECHECK_MS = 500;
/** Longest a background call sleeps on an open circuit before it looks again. */
const OPEN_CIRCUIT_RECHECK_MS = 5_000;

/**
 * Waits, abortably, until the circuits and switches let a background task's call to its model
 * go (background tasks do not fail over: they wait instead of hammering a failing provider).
 * @returns the probe id the call hands to the circuit with its outcome
 * @throws ProviderError `cancelled` when the signal aborts; `timeout` when the model is still
 *   unavailable at the call's deadline (the retry policy then decides)
 */
export async function waitForRoute(deps: WorkerDeps, call: ProviderAttempt): Promise<string> {
  const { provider, id } = call.model;
  for (;;) {
    const decision = await deps.routing.breaker.acquire(provider, id);
    if (decision.kind === 'allow') return decision.probeId;
    const waitMs =
      decision.kind === 'circuit_open'
        ? Math.min(decision.waitMs, OPEN_CIRCUIT_RECHECK_MS)
        : DISABLED_RECHECK_MS;
    if (Date.now() + waitMs >= call.deadlineAt) {
      throw new ProviderError({
        kind: 'timeout',
        provider,
        message: `${provider}/${id} is unavailable (${decision.kind}) past this call's deadline`,
      });
    }
    try {
      await sleep(waitMs, undefined, { signal: call.signal });
    } catch {
      throw new ProviderError({
        kind: 'cancelled',
        provider,
        message: `aborted (${String(call.signal.reason)}) while ${provider}/${id} was unavailable`,
      });
    }
  }
}
