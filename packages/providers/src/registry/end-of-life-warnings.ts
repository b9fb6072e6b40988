import type { ModelInfo } from './model-entry.js';
import { daysUntilEndOfLife } from './model-lifecycle.js';
import type { ModelRegistry } from './model-registry.js';

/** A model at or near the end of its life. */
export interface EndOfLifeWarning {
  readonly model: string;
  readonly endOfLifeAt: string;
  /** Whole days until the end-of-life day begins (UTC); zero or less means it has passed. */
  readonly daysLeft: number;
  readonly status: 'near-end-of-life' | 'past-end-of-life';
  readonly replacement: string | undefined;
  /** One line for a start-up log or the health endpoint. */
  readonly message: string;
}

/** Options for {@link listEndOfLifeWarnings}. */
export interface EndOfLifeWarningOptions {
  /** Only these ids or aliases; all registry models when absent. */
  readonly models?: readonly string[];
  /** Warn this many days ahead. @defaultValue 30 */
  readonly withinDays?: number;
}

/** What a request for a retired model gets, in the words of the warning. */
function afterEndOfLife(registry: ModelRegistry, replacement: string | undefined): string {
  if (replacement === undefined) return '; requests for it fail with model_retired';
  return registry.retiredModels === 'substitute'
    ? `; requests for it run on ${replacement}`
    : `; requests for it are refused: ask for ${replacement}`;
}

function warningFor(
  registry: ModelRegistry,
  model: ModelInfo,
  withinDays: number,
): EndOfLifeWarning | undefined {
  const daysLeft = daysUntilEndOfLife(model, registry.clock());
  if (model.endOfLifeAt === undefined || daysLeft === undefined || daysLeft > withinDays) {
    return undefined;
  }
  const past = daysLeft <= 0; // the end-of-life day has begun: the model is retired
  const message = past
    ? `Model ${model.id} reached end of life on ${model.endOfLifeAt}${afterEndOfLife(registry, model.replacement)}`
    : `Model ${model.id} reaches end of life on ${model.endOfLifeAt} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'})` +
      (model.replacement === undefined ? '' : `; migrate to ${model.replacement}`);
  return {
    model: model.id,
    endOfLifeAt: model.endOfLifeAt,
    daysLeft,
    status: past ? 'past-end-of-life' : 'near-end-of-life',
    replacement: model.replacement,
    message,
  };
}

/**
 * Warnings for models within `withinDays` of, or past, their end-of-life date at the registry's
 * clock, soonest first. Start-up logs them; the health endpoint reports them.
 */
export function listEndOfLifeWarnings(
  registry: ModelRegistry,
  { models, withinDays = 30 }: EndOfLifeWarningOptions = {},
): EndOfLifeWarning[] {
  const candidates =
    models === undefined ? registry.list() : models.map((id) => registry.resolve(id));
  return candidates
    .map((model) => warningFor(registry, model, withinDays))
    .filter((warning): warning is EndOfLifeWarning => warning !== undefined)
    .sort((left, right) => left.daysLeft - right.daysLeft);
}
