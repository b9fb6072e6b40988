import { assertFits, outputBudget, type ModelRegistry } from '@aiq/providers';
import type { ChatMessage } from '@aiq/queue';
import type { Redis } from 'ioredis';
import { TaskRefusedError } from './document-chunks.js';
import { ENSEMBLE_MAX_MODELS, ENSEMBLE_MIN_MODELS } from './task-catalog.js';

/**
 * The Redis hash of providers and models an operator disabled (owned by the routing switch-over;
 * read here): field = a provider name or a model id, present = disabled.
 */
function disabledRoutingKey(prefix: string): string {
  return `${prefix}:routing:disabled`;
}

/** The provider names and model ids disabled fleet-wide now. */
export async function readDisabledRouting(redis: Redis, prefix: string): Promise<Set<string>> {
  return new Set(await redis.hkeys(disabledRoutingKey(prefix)));
}

/**
 * The models of an ensemble that names none: one per enabled provider, the first enabled model
 * of that provider in the registry's fallback chain (runbook order), in chain order.
 */
export function defaultEnsembleModels(
  registry: ModelRegistry,
  disabled: ReadonlySet<string>,
): string[] {
  const chosen = new Map<string, string>();
  for (const model of registry.fallbackChain) {
    if (chosen.has(model.provider) || disabled.has(model.provider) || disabled.has(model.id)) {
      continue;
    }
    chosen.set(model.provider, model.id);
  }
  return [...chosen.values()];
}

/**
 * Checks an ensemble's models before anything is written, as a generation's model is checked:
 * {@link ENSEMBLE_MIN_MODELS} to {@link ENSEMBLE_MAX_MODELS} distinct models (aliases resolved),
 * each known, served (or with a successor) and with room for the prompt.
 * @returns the model ids, aliases resolved, in the order given
 * @throws TaskRefusedError `too_few_models`, `too_many_models`, `duplicate_models`;
 *   ProviderError `model_not_found`, `model_retired`, `token_limit_exceeded`
 */
export function checkEnsembleModels(
  registry: ModelRegistry,
  models: readonly string[],
  request: { readonly messages: readonly ChatMessage[]; readonly maxTokens?: number | undefined },
): string[] {
  if (models.length < ENSEMBLE_MIN_MODELS) {
    throw new TaskRefusedError(
      'too_few_models',
      `An ensemble needs at least ${ENSEMBLE_MIN_MODELS} models; got ${models.length}`,
    );
  }
  if (models.length > ENSEMBLE_MAX_MODELS) {
    throw new TaskRefusedError(
      'too_many_models',
      `An ensemble takes at most ${ENSEMBLE_MAX_MODELS} models; got ${models.length}`,
    );
  }
  const ids = models.map((model) => registry.resolve(model).id); // model_not_found
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) {
    throw new TaskRefusedError('duplicate_models', `Model ${repeated} is named more than once`);
  }
  for (const id of ids) {
    const runsOn = registry.select(id).model; // model_retired under RETIRED_MODELS=refuse
    assertFits(
      {
        model: runsOn.id,
        messages: request.messages,
        maxOutputTokens: outputBudget(runsOn, request.maxTokens),
      },
      runsOn,
    );
  }
  return ids;
}
