import type { ModelInfo } from '@aiq/providers';
import type { Redis } from 'ioredis';
import type { CircuitState } from './circuit-breaker.js';
import { parseDisabled, type DisabledFlag } from './provider-switches.js';
import { circuitKeys, circuitTargets, disabledKey } from './routing-keys.js';

/** One circuit as an operator reads it. */
export interface CircuitView {
  /**
   * `half_open` also for an open circuit whose cool-down has elapsed: the next call probes it.
   */
  readonly state: CircuitState;
  /** Consecutive outage failures while closed. */
  readonly failures: number;
  /** Why it last changed state. */
  readonly reason: string | null;
  /** Epoch ms (Redis's clock) when it last opened. */
  readonly openedAt: number | null;
  /** While open: ms until it may be probed. */
  readonly retryInMs: number | null;
}

/** A provider's or a model's routing state. */
export interface TargetState {
  readonly circuit: CircuitView;
  readonly disabled: DisabledFlag | null;
}

/** Every provider's and model's routing state. */
export interface RoutingState {
  readonly providers: Readonly<Record<string, TargetState>>;
  readonly models: Readonly<Record<string, TargetState & { readonly provider: string }>>;
}

function viewOf(fields: Record<string, string>, now: number): CircuitView {
  const stored = (fields['state'] ?? 'closed') as CircuitState;
  const retryAt = Number(fields['retryAt'] ?? 0);
  const open = stored === 'open' && retryAt > now;
  return {
    state: stored === 'open' && !open ? 'half_open' : stored,
    failures: Number(fields['failures'] ?? 0),
    reason: fields['reason'] ?? null,
    openedAt: fields['openedAt'] === undefined ? null : Number(fields['openedAt']),
    retryInMs: open ? retryAt - now : null,
  };
}

/**
 * Reads the circuits and disabled flags of every provider and model of `models`, in one round
 * trip (a pipeline), judged at Redis's time.
 */
export async function readRoutingState(
  redis: Redis,
  prefix: string,
  models: readonly Pick<ModelInfo, 'id' | 'provider'>[],
): Promise<RoutingState> {
  const providers = [...new Set(models.map((model) => model.provider))].sort();
  const modelTargets = models.map((model) => circuitTargets(model.provider, model.id)[1]);
  const pipeline = redis.pipeline().time().hgetall(disabledKey(prefix));
  for (const target of [...providers, ...modelTargets]) {
    pipeline.hgetall(circuitKeys(prefix, target).circuit);
  }
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([error]) => error !== null);
  if (failed?.[0]) throw failed[0];
  const [seconds, micros] = replies[0]?.[1] as [string, string];
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const disabled = parseDisabled(replies[1]?.[1] as Record<string, string>);
  const circuit = (index: number) =>
    viewOf((replies[2 + index]?.[1] ?? {}) as Record<string, string>, now);
  return {
    providers: Object.fromEntries(
      providers.map((name, index) => [
        name,
        { circuit: circuit(index), disabled: disabled.get(name) ?? null },
      ]),
    ),
    models: Object.fromEntries(
      models.map((model, index) => [
        model.id,
        {
          provider: model.provider,
          circuit: circuit(providers.length + index),
          disabled: disabled.get(model.id) ?? null,
        },
      ]),
    ),
  };
}
