import { randomUUID } from 'node:crypto';
import type { Config } from '@aiq/config';
import { redisScript } from '@aiq/queue';
import type { Redis } from 'ioredis';
import type { CallOutcome } from './call-outcome.js';
import { ACQUIRE_SCRIPT, RECORD_SCRIPT } from './circuit-scripts.js';
import { circuitKeys, circuitsKey, circuitTargets, disabledKey } from './routing-keys.js';

/** A circuit's state. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** One state change of one circuit, made by exactly one process (the script's caller). */
export interface CircuitTransition {
  /** `openai`, or `openai:gpt-5.6-sol` for a model's own circuit. */
  readonly target: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** consecutive_failures | error_rate | cool_down_elapsed | probe_succeeded | probe_failed */
  readonly reason: string;
}

/** Whether a call to a model may go now. */
export type RouteDecision =
  | {
      readonly kind: 'allow';
      /** Hand back to {@link CircuitBreaker.record}: the probe slots this call holds. */
      readonly probeId: string;
      /** True when the call is a half-open probe. */
      readonly probe: boolean;
    }
  | { readonly kind: 'provider_disabled' | 'model_disabled' }
  | {
      readonly kind: 'circuit_open';
      /** How long until the circuit may be probed (Redis's clock, relative). */
      readonly waitMs: number;
    };

/** The circuit breaker's settings (`CIRCUIT_*`). */
export type CircuitOptions = Config['circuit'];

/** Circuit breakers per provider and per provider+model, shared by every process through Redis. */
export interface CircuitBreaker {
  /**
   * Asks to call `model` of `provider`: refused while either is disabled or either circuit is
   * open (or half-open with every probe slot taken). Takes a probe slot where a circuit is
   * half-open; {@link CircuitBreaker.record} frees it.
   */
  acquire(provider: string, model: string): Promise<RouteDecision>;
  /** Records a call's outcome in the provider's and the model's circuit. */
  record(provider: string, model: string, outcome: CallOutcome, probeId?: string): Promise<void>;
}

const acquireScript = redisScript(ACQUIRE_SCRIPT);
const recordScript = redisScript(RECORD_SCRIPT);

type ScriptReply = [string, number, string, string[]];

function transitionsOf(flat: readonly string[]): CircuitTransition[] {
  const transitions: CircuitTransition[] = [];
  for (let index = 0; index + 3 < flat.length; index += 4) {
    transitions.push({
      target: flat[index] ?? '',
      from: flat[index + 1] as CircuitState,
      to: flat[index + 2] as CircuitState,
      reason: flat[index + 3] ?? '',
    });
  }
  return transitions;
}

export function createCircuitBreaker({
  redis,
  prefix,
  options,
  onTransition = () => undefined,
}: {
  redis: Redis;
  prefix: string;
  options: CircuitOptions;
  /** Called once per transition this process made (log it, count it). */
  onTransition?: (transition: CircuitTransition) => void;
}): CircuitBreaker {
  return {
    async acquire(provider, model) {
      const targets = circuitTargets(provider, model);
      const keys = [disabledKey(prefix)];
      for (const target of targets) {
        const { circuit, probes } = circuitKeys(prefix, target);
        keys.push(circuit, probes);
      }
      const probeId = randomUUID();
      const [decision, waitMs, probed, transitions] = (await acquireScript.run(redis, keys, [
        provider,
        model,
        options.halfOpenProbes,
        options.probeLeaseMs,
        probeId,
        ...targets,
      ])) as ScriptReply;
      for (const transition of transitionsOf(transitions)) onTransition(transition);
      if (decision === 'provider_disabled' || decision === 'model_disabled') {
        return { kind: decision };
      }
      if (decision === 'circuit_open') return { kind: 'circuit_open', waitMs: Number(waitMs) };
      return { kind: 'allow', probeId, probe: probed !== '' };
    },

    async record(provider, model, outcome, probeId = '') {
      await Promise.all(
        circuitTargets(provider, model).map(async (target) => {
          const { circuit, calls, fails, probes } = circuitKeys(prefix, target);
          const reply = (await recordScript.run(
            redis,
            [circuit, calls, fails, probes, circuitsKey(prefix)],
            [
              outcome,
              probeId,
              options.failureThreshold,
              options.windowMs,
              options.errorRatePercent,
              options.minRequests,
              options.resetMs,
              options.maxResetMs,
              target,
            ],
          )) as string[];
          for (const transition of transitionsOf([target, ...reply])) onTransition(transition);
        }),
      );
    },
  };
}
