import { ProviderError } from '../provider-error.js';
import { DEFAULT_ALIASES, DEFAULT_FALLBACK_CHAIN, DEFAULT_MODELS } from './default-models.js';
import type { ModelEntry, ModelInfo } from './model-entry.js';

/** Model id → provider, limits, prices and lifecycle; aliases; the fallback chain. */
export interface ModelRegistry {
  /**
   * The model for an API id or alias.
   * @throws ProviderError kind `model_not_found` listing the known ids
   */
  resolve(idOrAlias: string): ModelInfo;
  /** True when `resolve` would succeed. */
  has(idOrAlias: string): boolean;
  /** Every model, sorted by id. */
  list(): readonly ModelInfo[];
  /** The fallback order, first choice first, resolved. */
  readonly fallbackChain: readonly ModelInfo[];
}

/** What {@link createModelRegistry} builds from. */
export interface ModelRegistryInput {
  readonly models?: Readonly<Record<string, ModelEntry>>;
  readonly aliases?: Readonly<Record<string, string>>;
  readonly fallbackChain?: readonly string[];
}

/** A registry from explicit entries; defaults to the built-in catalog. */
export function createModelRegistry({
  models = DEFAULT_MODELS,
  aliases = DEFAULT_ALIASES,
  fallbackChain = DEFAULT_FALLBACK_CHAIN,
}: ModelRegistryInput = {}): ModelRegistry {
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

  return {
    resolve,
    has: (idOrAlias) => find(idOrAlias) !== undefined,
    list: () => knownIds.map((id) => resolve(id)),
    fallbackChain: fallbackChain.map((id) => resolve(id)),
  };
}
