import { describe, expect, it } from 'vitest';
import type { ProviderErrorRate } from './provider-error-rates.js';
import { publicProviderStates } from './public-provider-status.js';
import type { CircuitView, RoutingState, TargetState } from './routing-state.js';

const closed: CircuitView = {
  state: 'closed',
  failures: 0,
  reason: null,
  openedAt: null,
  retryInMs: null,
};
const target = (circuit: Partial<CircuitView> = {}, disabled = false): TargetState => ({
  circuit: { ...closed, ...circuit },
  disabled: disabled ? { reason: 'r', actor: 'a', at: 0 } : null,
});
const rate = (errors: number, calls: number): ProviderErrorRate => ({
  calls,
  errors,
  rate: errors / calls,
});

function states(
  provider: TargetState,
  { model = target(), errorRate }: { model?: TargetState; errorRate?: ProviderErrorRate } = {},
) {
  const routing: RoutingState = {
    providers: { openai: provider },
    models: { 'gpt-5': { ...model, provider: 'openai' } },
  };
  return publicProviderStates(routing, errorRate === undefined ? {} : { openai: errorRate })[
    'openai'
  ];
}

describe('publicProviderStates', () => {
  it('should call a disabled provider or an open circuit an outage', () => {
    expect(states(target({}, true))).toBe('outage');
    expect(states(target({ state: 'open', retryInMs: 1_000 }))).toBe('outage');
  });

  it('should call a probing circuit, or a disabled or failing model, degraded', () => {
    expect(states(target({ state: 'half_open' }))).toBe('degraded');
    expect(states(target(), { model: target({}, true) })).toBe('degraded');
    expect(states(target(), { model: target({ state: 'open' }) })).toBe('degraded');
  });

  it('should call an error rate over 5 % of at least 20 calls degraded, and no more', () => {
    expect(states(target(), { errorRate: rate(2, 20) })).toBe('degraded');
    expect(states(target(), { errorRate: rate(1, 20) })).toBe('operational'); // exactly 5 %
    expect(states(target(), { errorRate: rate(19, 19) })).toBe('operational'); // too few calls
    expect(states(target(), { errorRate: rate(0, 100) })).toBe('operational');
  });

  it('should call a provider with closed circuits, no switch and few errors operational', () => {
    expect(states(target({ failures: 2 }))).toBe('operational');
  });
});
