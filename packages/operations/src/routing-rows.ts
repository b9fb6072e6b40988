import type { Config } from '@aiq/config';
import { loadModelRegistry } from '@aiq/providers';
import {
  readRoutingState,
  type CircuitState,
  type RoutingState,
  type TargetState,
} from '@aiq/routing';
import type { Redis } from 'ioredis';

/** Every provider's and registry model's circuit and disabled flag, as the fleet routes by them. */
export function readFleetRouting(redis: Redis, config: Config): Promise<RoutingState> {
  return readRoutingState(redis, config.redis.prefix, loadModelRegistry(config.models).list());
}

/**
 * One provider's or model's routing state as `aiq provider list` prints it: the same fields in
 * the table and in `--json`. Times are ISO strings; the circuit's come from Redis's clock.
 */
export interface RoutingRow {
  /** `openai`, or a model id. */
  readonly target: string;
  readonly kind: 'provider' | 'model';
  readonly provider: string;
  /** `half_open` also for an open circuit whose cool-down has elapsed: the next call probes it. */
  readonly circuit: CircuitState;
  /** Consecutive outage failures while closed. */
  readonly failures: number;
  /** Why the circuit last changed state (`consecutive_failures`, `error_rate`, `probe_failed`, …). */
  readonly circuit_reason: string | null;
  readonly opened_at: string | null;
  /** While open: ms until a call may probe it; 0 when half-open; null when closed. */
  readonly next_probe_in_ms: number | null;
  readonly disabled: { readonly reason: string; readonly by: string; readonly at: string } | null;
}

function rowOf(
  target: string,
  kind: RoutingRow['kind'],
  provider: string,
  { circuit, disabled }: TargetState,
): RoutingRow {
  return {
    target,
    kind,
    provider,
    circuit: circuit.state,
    failures: circuit.failures,
    circuit_reason: circuit.reason,
    opened_at: circuit.openedAt === null ? null : new Date(circuit.openedAt).toISOString(),
    next_probe_in_ms: circuit.state === 'half_open' ? 0 : circuit.retryInMs,
    disabled:
      disabled === null
        ? null
        : { reason: disabled.reason, by: disabled.actor, at: new Date(disabled.at).toISOString() },
  };
}

/**
 * A model is worth a row once its own circuit has a history (a failure, a transition) or it is
 * switched off; the registry's untouched models would only bury those.
 */
function isNoteworthy({ circuit, disabled }: TargetState): boolean {
  return (
    circuit.state !== 'closed' || circuit.failures > 0 || circuit.reason !== null || !!disabled
  );
}

/** Every provider, each followed by its noteworthy models (by id). */
export function routingRows(state: RoutingState): RoutingRow[] {
  const models = Object.entries(state.models).sort(([a], [b]) => a.localeCompare(b));
  return Object.entries(state.providers)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([name, target]) => [
      rowOf(name, 'provider', name, target),
      ...models
        .filter(([, model]) => model.provider === name && isNoteworthy(model))
        .map(([id, model]) => rowOf(id, 'model', name, model)),
    ]);
}
