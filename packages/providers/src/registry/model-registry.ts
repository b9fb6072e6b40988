import { ProviderError } from '../provider-error.js';
import type { Clock } from './clock.js';
import {
  DEFAULT_ALIASES,
  DEFAULT_FALLBACK_CHAIN,
  DEFAULT_FALLBACK_CHAINS,
  DEFAULT_MODELS,
} from './default-models.js';
import type { ModelEntry, ModelInfo } from './model-entry.js';
import { lifecycleAt, type ModelLifecycle } from './model-lifecycle.js';

/**
 * What happens to a request for a model past its end of life:
 * - `substitute`: it runs on the successor the registry names (`replacement`), and the task,
 *   its events and `ai_requests` say so;
 * - `refuse`: it fails with `model_retired`, naming the successor.
 */
export type RetiredModelPolicy = 'substitute' | 'refuse';

/** The model a request runs on, and the one it asked for. */
export interface ModelSelection {
  /** The model asked for, aliases resolved. */
  readonly requested: ModelInfo;
  /** The model to call: `requested`, or its successor once `requested` has reached its end of life. */
  readonly model: ModelInfo;
}

/** Model id → provider, limits, prices and lifecycle; aliases; the fallback chain. */
export interface ModelRegistry {
  /**
   * The model for an API id or alias, whatever its lifecycle.
   * @throws ProviderError kind `model_not_found` listing the known ids
   */
  resolve(idOrAlias: string): ModelInfo;
  /** True when `resolve` would succeed. */
  has(idOrAlias: string): boolean;
  /** Every model, sorted by id. */
  list(): readonly ModelInfo[];
  /** The default fallback order, first choice first, resolved. */
  readonly fallbackChain: readonly ModelInfo[];
  /**
   * The fallback order of requests for `idOrAlias`: its own chain when the registry names one,
   * else {@link ModelRegistry.fallbackChain}.
   * @throws ProviderError kind `model_not_found` for an unknown model
   */
  fallbackChainFor(idOrAlias: string): readonly ModelInfo[];
  /** The time end of life is judged at. */
  readonly clock: Clock;
  /** What {@link ModelRegistry.select} does with a retired model. */
  readonly retiredModels: RetiredModelPolicy;
  /** The model's lifecycle at the clock's time. */
  lifecycle(model: ModelInfo): ModelLifecycle;
  /**
   * The model a request for `idOrAlias` runs on now: the model itself while it is served;
   * once it has reached its end of life, its successor (following `replacement` past retired
   * ones) under `substitute`.
   * @throws ProviderError `model_not_found` for an unknown model; `model_retired` for a retired
   *   one under `refuse`, or when no successor is served
   */
  select(idOrAlias: string): ModelSelection;
}

/** What {@link createModelRegistry} builds from. */
export interface ModelRegistryInput {
  readonly models?: Readonly<Record<string, ModelEntry>>;
  readonly aliases?: Readonly<Record<string, string>>;
  readonly fallbackChain?: readonly string[];
  /** Per-model chains (model id or alias → ids or aliases), replacing `fallbackChain` for that model. */
  readonly fallbackChains?: Readonly<Record<string, readonly string[]>>;
  /** Required, so no caller judges end of life by the machine's date without saying so. */
  readonly clock: Clock;
  /** @defaultValue 'substitute' */
  readonly retiredModels?: RetiredModelPolicy | undefined;
}

function retiredError(model: ModelInfo, successor: ModelInfo | undefined): ProviderError {
  const retired = `Model ${model.id} reached its end of life on ${model.endOfLifeAt ?? '?'}`;
  return new ProviderError({
    kind: 'model_retired',
    message:
      successor === undefined
        ? `${retired} and the model registry names no successor that is still served`
        : `${retired}; use ${successor.id} instead`,
    ...(successor === undefined ? {} : { replacement: successor.id }),
  });
}

/** A registry from explicit entries; defaults to the built-in catalog. */
export function createModelRegistry({
  models = DEFAULT_MODELS,
  aliases = DEFAULT_ALIASES,
  fallbackChain = DEFAULT_FALLBACK_CHAIN,
  fallbackChains = DEFAULT_FALLBACK_CHAINS,
  clock,
  retiredModels = 'substitute',
}: ModelRegistryInput): ModelRegistry {
  const byId = new Map<string, ModelInfo>(
    Object.entries(models).map(([id, entry]) => [id, { ...entry, id }]),
  );
  const knownIds = [...byId.keys()].sort();

  function find(idOrAlias: string): ModelInfo | undefined {
    return byId.get(idOrAlias) ?? byId.get(aliases[idOrAlias] ?? '');
  }

  function resolve(idOrAlias: string): ModelInfo {
    const model = find(idOrAlias);
    if (model !== undefined) return model;
    throw new ProviderError({
      kind: 'model_not_found',
      message: `Unknown model "${idOrAlias}". Known models: ${knownIds.join(', ')}`,
      knownModels: knownIds,
    });
  }

  /** The first model along the `replacement` links that is still served at `now`. */
  function successorOf(model: ModelInfo, now: number): ModelInfo | undefined {
    const seen = new Set([model.id]);
    let next = model.replacement === undefined ? undefined : find(model.replacement);
    while (next !== undefined && !seen.has(next.id)) {
      if (lifecycleAt(next, now) !== 'retired') return next;
      seen.add(next.id);
      next = next.replacement === undefined ? undefined : find(next.replacement);
    }
    return undefined;
  }

  function select(idOrAlias: string): ModelSelection {
    const requested = resolve(idOrAlias);
    const now = clock();
    if (lifecycleAt(requested, now) !== 'retired') return { requested, model: requested };
    const successor = successorOf(requested, now);
    if (retiredModels === 'refuse' || successor === undefined) {
      throw retiredError(requested, successor);
    }
    return { requested, model: successor };
  }

  const defaultChain = fallbackChain.map((id) => resolve(id));
  const chains = new Map(
    Object.entries(fallbackChains).map(([id, chain]) => [
      resolve(id).id,
      chain.map((entry) => resolve(entry)),
    ]),
  );

  return {
    resolve,
    has: (idOrAlias) => find(idOrAlias) !== undefined,
    list: () => knownIds.map((id) => resolve(id)),
    fallbackChain: defaultChain,
    fallbackChainFor: (idOrAlias) => chains.get(resolve(idOrAlias).id) ?? defaultChain,
    clock,
    retiredModels,
    lifecycle: (model) => lifecycleAt(model, clock()),
    select,
  };
}
