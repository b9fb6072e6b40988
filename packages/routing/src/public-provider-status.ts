import type { ProviderErrorRate } from './provider-error-rates.js';
import type { RoutingState } from './routing-state.js';

/** A provider as users should see it on a status page. */
export type PublicProviderState = 'operational' | 'degraded' | 'outage';

/** The runbook's alert: an error rate over 5 % … */
const DEGRADED_ERROR_RATE = 0.05;
/** … over the last 5 minutes … */
export const ERROR_RATE_WINDOW_MS = 300_000;
/** … once there are enough calls for a rate to mean something (one failure of two is not 50 %). */
const ERROR_RATE_MIN_CALLS = 20;

/**
 * Each provider's public state. `outage`: switched off by an operator, or its circuit is open
 * (calls go to fallbacks, not to it). `degraded`: its circuit is half-open (probing), one of its
 * models is switched off or has a circuit not closed, or its error rate over the window exceeds
 * {@link DEGRADED_ERROR_RATE}. Otherwise `operational`. Nothing else (reasons, actors, counts)
 * leaves this function.
 */
export function publicProviderStates(
  routing: RoutingState,
  errorRates: Readonly<Record<string, ProviderErrorRate>>,
): Record<string, PublicProviderState> {
  const models = Object.values(routing.models);
  return Object.fromEntries(
    Object.entries(routing.providers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, { circuit, disabled }]) => {
        if (disabled !== null || circuit.state === 'open') return [name, 'outage'];
        const rate = errorRates[name];
        const degraded =
          circuit.state === 'half_open' ||
          models.some(
            (model) =>
              model.provider === name &&
              (model.disabled !== null || model.circuit.state !== 'closed'),
          ) ||
          (rate !== undefined &&
            rate.calls >= ERROR_RATE_MIN_CALLS &&
            rate.rate > DEGRADED_ERROR_RATE);
        return [name, degraded ? 'degraded' : 'operational'];
      }),
  );
}
