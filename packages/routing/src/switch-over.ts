import type { Database, RoutingAction, RoutingTargetKind } from '@aiq/db';
import { makePostgresSafe, routingChanges } from '@aiq/db';
import type { ModelRegistry } from '@aiq/providers';
import type { Redis } from 'ioredis';
import { disableTarget, enableTarget } from './provider-switches.js';

/** A name that is neither a provider of the registry nor one of its models (or aliases). */
export class UnknownRoutingTargetError extends Error {
  override readonly name = 'UnknownRoutingTargetError';
  readonly code = 'unknown_provider';
  constructor(target: string, known: readonly string[]) {
    super(`Unknown provider or model "${target}". Known: ${known.join(', ')}`);
  }
}

/** A provider name or a model id, as the registry knows it. */
export interface RoutingTarget {
  readonly target: string;
  readonly kind: RoutingTargetKind;
}

/**
 * `name` as a switch target: a provider with models in the registry, or a model id or alias
 * (resolved to its id, so `gpt-5.6` and `gpt-5.6-sol` are one switch).
 * @throws UnknownRoutingTargetError
 */
export function resolveRoutingTarget(registry: ModelRegistry, name: string): RoutingTarget {
  const models = registry.list();
  const providers = [...new Set(models.map((model) => model.provider))].sort();
  if ((providers as string[]).includes(name)) return { target: name, kind: 'provider' };
  if (registry.has(name)) return { target: registry.resolve(name).id, kind: 'model' };
  throw new UnknownRoutingTargetError(name, [...providers, ...models.map((model) => model.id)]);
}

/** One operator switch-over. */
export interface SwitchOverRequest {
  readonly name: string;
  readonly action: RoutingAction;
  /** Required to disable. */
  readonly reason?: string | undefined;
  /** The operator's user id. */
  readonly actor: string;
}

/**
 * Disables or enables a provider or model fleet-wide, recorded in `routing_changes` (who, when,
 * why). The audit row is written first: a change that reaches Redis is always on record, and a
 * Redis failure after it leaves a row for a change that did not happen, which the operator sees
 * as an error and repeats.
 * @throws UnknownRoutingTargetError
 */
export async function switchOver(
  deps: { redis: Redis; prefix: string; database: Database; registry: ModelRegistry },
  given: SwitchOverRequest,
): Promise<RoutingTarget & { readonly at: number }> {
  // An operator's reason may hold U+0000 or a lone surrogate, which Postgres refuses (a 500).
  const request = makePostgresSafe(given);
  const resolved = resolveRoutingTarget(deps.registry, request.name);
  const [row] = await deps.database.db
    .insert(routingChanges)
    .values({
      target: resolved.target,
      targetKind: resolved.kind,
      action: request.action,
      reason: request.reason ?? null,
      actor: request.actor,
    })
    .returning({ createdAt: routingChanges.createdAt });
  const at = row?.createdAt.getTime() ?? Date.now();
  if (request.action === 'disable') {
    const flag = { reason: request.reason ?? '', actor: request.actor, at };
    await disableTarget(deps.redis, deps.prefix, resolved.target, flag);
  } else {
    await enableTarget(deps.redis, deps.prefix, resolved.target);
  }
  return { ...resolved, at };
}
