import { connectTestRedis, deletePrefix, uniquePrefix } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outcomeOfKind } from './call-outcome.js';
import {
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitOptions,
  type CircuitTransition,
} from './circuit-breaker.js';
import { disableTarget, enableTarget } from './provider-switches.js';
import { readRoutingState } from './routing-state.js';

const OPTIONS: CircuitOptions = {
  failureThreshold: 5,
  resetMs: 150,
  maxResetMs: 500,
  windowMs: 60_000,
  errorRatePercent: 50,
  minRequests: 10,
  halfOpenProbes: 1,
  probeLeaseMs: 30_000,
};

let redis: Redis;
let prefix: string;
let transitions: CircuitTransition[];

function breaker(options: Partial<CircuitOptions> = {}): CircuitBreaker {
  return createCircuitBreaker({
    redis,
    prefix,
    options: { ...OPTIONS, ...options },
    onTransition: (transition) => transitions.push(transition),
  });
}

async function recordMany(
  circuit: CircuitBreaker,
  outcome: 'success' | 'failure' | 'neutral',
  count: number,
) {
  for (let index = 0; index < count; index += 1) {
    await circuit.record('openai', 'gpt-5.6-sol', outcome);
  }
}

/** Waits on Redis's clock (the circuit's), not the machine's. */
async function waitRedisMs(ms: number): Promise<void> {
  const [seconds, micros] = await redis.time();
  const until = Number(seconds) * 1000 + Number(micros) / 1000 + ms;
  for (;;) {
    const [nowSeconds, nowMicros] = await redis.time();
    if (Number(nowSeconds) * 1000 + Number(nowMicros) / 1000 >= until) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});
beforeEach(async () => {
  if (prefix !== undefined) await deletePrefix(redis, prefix);
  prefix = uniquePrefix('circuit');
  transitions = [];
});

describe('circuit breaker', () => {
  it('should open after the threshold of consecutive outage failures, not one before', async () => {
    const circuit = breaker();
    await recordMany(circuit, 'failure', 4);
    expect(await circuit.acquire('openai', 'gpt-5.6-sol')).toMatchObject({ kind: 'allow' });
    await recordMany(circuit, 'failure', 1);
    const decision = await circuit.acquire('openai', 'gpt-5.6-sol');
    expect(decision.kind).toBe('circuit_open');
    expect(transitions).toEqual([
      { target: 'openai', from: 'closed', to: 'open', reason: 'consecutive_failures' },
      {
        target: 'openai:gpt-5.6-sol',
        from: 'closed',
        to: 'open',
        reason: 'consecutive_failures',
      },
    ]);
    // Another model of the same provider is refused through the provider's circuit.
    expect((await circuit.acquire('openai', 'gpt-5')).kind).toBe('circuit_open');
    expect((await circuit.acquire('anthropic', 'claude-sonnet-5-5')).kind).toBe('allow');
  });

  it('should reset the consecutive count on a success', async () => {
    const circuit = breaker();
    await recordMany(circuit, 'failure', 4);
    await recordMany(circuit, 'success', 1);
    await recordMany(circuit, 'failure', 4);
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('allow');
  });

  it('should neither open on 429s and client errors nor let them reset the count', async () => {
    const circuit = breaker();
    expect(outcomeOfKind('rate_limited')).toBe('neutral');
    expect(outcomeOfKind('invalid_request')).toBe('neutral');
    expect(outcomeOfKind('token_limit_exceeded')).toBe('neutral');
    await recordMany(circuit, 'neutral', 50);
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('allow');
    await recordMany(circuit, 'failure', 4);
    await recordMany(circuit, 'neutral', 3);
    await recordMany(circuit, 'failure', 1);
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('circuit_open');
  });

  it('should open on the error rate only once the window holds the minimum volume', async () => {
    const circuit = breaker({ failureThreshold: 1000, minRequests: 10, errorRatePercent: 50 });
    // 4 failures of 8 calls: 50 % but below the minimum volume.
    for (let index = 0; index < 4; index += 1) {
      await recordMany(circuit, 'success', 1);
      await recordMany(circuit, 'failure', 1);
    }
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('allow');
    await recordMany(circuit, 'success', 1); // 4 of 9
    await recordMany(circuit, 'failure', 1); // 5 of 10: 50 %, volume reached
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('circuit_open');
    expect(transitions[0]).toMatchObject({ to: 'open', reason: 'error_rate' });
  });

  it('should let one caller win each half-open probe slot, and close on its success', async () => {
    const circuit = breaker({ halfOpenProbes: 2 });
    await recordMany(circuit, 'failure', 5);
    await waitRedisMs(OPTIONS.resetMs + 20);
    const decisions = await Promise.all(
      Array.from({ length: 10 }, () => circuit.acquire('openai', 'gpt-5.6-sol')),
    );
    const probes = decisions.filter((decision) => decision.kind === 'allow');
    expect(probes).toHaveLength(2);
    expect(probes.every((decision) => decision.kind === 'allow' && decision.probe)).toBe(true);
    const refused = decisions.filter((decision) => decision.kind === 'circuit_open');
    expect(refused).toHaveLength(8);
    const [first] = probes;
    if (first?.kind !== 'allow') throw new Error('no probe');
    await circuit.record('openai', 'gpt-5.6-sol', 'success', first.probeId);
    expect(await circuit.acquire('openai', 'gpt-5.6-sol')).toMatchObject({
      kind: 'allow',
      probe: false,
    });
    expect(transitions.filter((transition) => transition.target === 'openai')).toEqual([
      { target: 'openai', from: 'closed', to: 'open', reason: 'consecutive_failures' },
      { target: 'openai', from: 'open', to: 'half_open', reason: 'cool_down_elapsed' },
      { target: 'openai', from: 'half_open', to: 'closed', reason: 'probe_succeeded' },
    ]);
  });

  it('should free a crashed prober’s slot when its lease ends', async () => {
    const circuit = breaker({ probeLeaseMs: 100 });
    await recordMany(circuit, 'failure', 5);
    await waitRedisMs(OPTIONS.resetMs + 20);
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('allow'); // never records
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('circuit_open');
    await waitRedisMs(120);
    expect(await circuit.acquire('openai', 'gpt-5.6-sol')).toMatchObject({ probe: true });
  });

  it('should reopen on a failed probe with the cool-down doubled, up to its cap', async () => {
    const circuit = breaker({ resetMs: 100, maxResetMs: 300 });
    await recordMany(circuit, 'failure', 5);
    const expectedResets = [200, 300, 300];
    for (const resetMs of expectedResets) {
      let decision = await circuit.acquire('openai', 'gpt-5.6-sol');
      while (decision.kind === 'circuit_open') {
        await waitRedisMs(decision.waitMs + 5);
        decision = await circuit.acquire('openai', 'gpt-5.6-sol');
      }
      if (decision.kind !== 'allow' || !decision.probe) throw new Error('expected a probe');
      await circuit.record('openai', 'gpt-5.6-sol', 'failure', decision.probeId);
      const state = await readRoutingState(redis, prefix, [
        { id: 'gpt-5.6-sol', provider: 'openai' },
      ]);
      expect(state.providers['openai']?.circuit).toMatchObject({
        state: 'open',
        reason: 'probe_failed',
      });
      expect(state.providers['openai']?.circuit.retryInMs).toBeGreaterThan(resetMs - 50);
      expect(state.providers['openai']?.circuit.retryInMs).toBeLessThanOrEqual(resetMs);
    }
  });

  it('should ignore outcomes of calls that are not probes while half-open', async () => {
    const circuit = breaker();
    await recordMany(circuit, 'failure', 5);
    await waitRedisMs(OPTIONS.resetMs + 20);
    await circuit.acquire('openai', 'gpt-5.6-sol'); // half-open now, probe out
    await recordMany(circuit, 'failure', 3); // calls started before the circuit opened
    const state = await readRoutingState(redis, prefix, [
      { id: 'gpt-5.6-sol', provider: 'openai' },
    ]);
    expect(state.providers['openai']?.circuit.state).toBe('half_open');
  });

  it('should refuse a disabled provider or model until it is enabled', async () => {
    const circuit = breaker();
    const flag = { reason: 'outage', actor: 'ops', at: 1 };
    await disableTarget(redis, prefix, 'openai', flag);
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('provider_disabled');
    await enableTarget(redis, prefix, 'openai');
    await disableTarget(redis, prefix, 'gpt-5.6-sol', flag);
    expect((await circuit.acquire('openai', 'gpt-5.6-sol')).kind).toBe('model_disabled');
    expect((await circuit.acquire('openai', 'gpt-5')).kind).toBe('allow');
    const state = await readRoutingState(redis, prefix, [
      { id: 'gpt-5.6-sol', provider: 'openai' },
      { id: 'gpt-5', provider: 'openai' },
    ]);
    expect(state.models['gpt-5.6-sol']?.disabled).toEqual(flag);
    expect(state.providers['openai']?.disabled).toBeNull();
  });
});
