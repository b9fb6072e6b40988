export {
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitOptions,
  type CircuitState,
  type CircuitTransition,
  type RouteDecision,
} from './circuit-breaker.js';
export { outcomeOfError, outcomeOfKind, type CallOutcome } from './call-outcome.js';
export { createRouting, type Routing } from './create-routing.js';
export { DisabledFlag, disableTarget, enableTarget, readDisabled } from './provider-switches.js';
export { circuitTargets, disabledKey } from './routing-keys.js';
export { ALL_MODELS, createRoutingMetrics, type RoutingMetrics } from './routing-metrics.js';
export {
  readRoutingState,
  type CircuitView,
  type RoutingState,
  type TargetState,
} from './routing-state.js';
export {
  resolveRoutingTarget,
  switchOver,
  UnknownRoutingTargetError,
  type RoutingTarget,
  type SwitchOverRequest,
} from './switch-over.js';
export { readProviderErrorRates, type ProviderErrorRate } from './provider-error-rates.js';
export { ERROR_RATE_WINDOW_MS, publicProviderStates } from './public-provider-status.js';
