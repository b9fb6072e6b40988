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
