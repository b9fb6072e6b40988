import { Counter, Gauge, Registry } from 'prom-client';
import type { CircuitState, CircuitTransition } from './circuit-breaker.js';
import type { RoutingState } from './routing-state.js';

/** The `model` label of a provider's own circuit. Labels stay bounded: provider and model only. */
export const ALL_MODELS = 'all';

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/** The provider and model labels of a circuit target (`openai` or `openai:gpt-5.6-sol`). */
export function labelsOf(target: string): { provider: string; model: string } {
  const separator = target.indexOf(':');
  return separator === -1
    ? { provider: target, model: ALL_MODELS }
    : { provider: target.slice(0, separator), model: target.slice(separator + 1) };
}

/** Routing's Prometheus metrics. */
export interface RoutingMetrics {
  readonly registry: Registry;
  /** Counts a transition this process made. */
  countTransition(transition: CircuitTransition): void;
}

/**
 * `aiq_circuit_transitions_total{provider,model,from,to}` (transitions this process made: each
 * is made by exactly one process, so the fleet's sum is the true count) and
 * `aiq_circuit_state{provider,model}` (0 closed, 1 half-open, 2 open), read from Redis at each
 * scrape so every process reports the fleet-wide state.
 */
export function createRoutingMetrics({
  registry = new Registry(),
  readState,
}: {
  registry?: Registry;
  readState: () => Promise<RoutingState>;
}): RoutingMetrics {
  const transitions = new Counter({
    name: 'aiq_circuit_transitions_total',
    help: 'Circuit breaker state transitions made by this process.',
    labelNames: ['provider', 'model', 'from', 'to'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'aiq_circuit_state',
    help: 'Circuit breaker state, fleet-wide: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider', 'model'] as const,
    registers: [registry],
    async collect() {
      const state = await readState();
      this.reset();
      for (const [provider, entry] of Object.entries(state.providers)) {
        this.set({ provider, model: ALL_MODELS }, STATE_VALUE[entry.circuit.state]);
      }
      for (const [model, entry] of Object.entries(state.models)) {
        this.set({ provider: entry.provider, model }, STATE_VALUE[entry.circuit.state]);
      }
    },
  });
  return {
    registry,
    countTransition(transition) {
      transitions.inc({ ...labelsOf(transition.target), from: transition.from, to: transition.to });
    },
  };
}
