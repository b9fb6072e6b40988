import type { ModelInfo } from './model-entry.js';
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
  /** @defaultValue Date.now() */
  readonly now?: number;
  /** Warn this many days ahead. @defaultValue 30 */
  readonly withinDays?: number;
}

const DAY_MS = 86_400_000;

function warningFor(
  model: ModelInfo,
  now: number,
  withinDays: number,
): EndOfLifeWarning | undefined {
  if (model.endOfLifeAt === undefined) return undefined;
  const endOfLife = Date.parse(`${model.endOfLifeAt}T00:00:00Z`);
  const daysLeft = Math.ceil((endOfLife - now) / DAY_MS);
  if (daysLeft > withinDays) return undefined;
  const status = daysLeft <= 0 ? 'past-end-of-life' : 'near-end-of-life';
  const when =
    status === 'past-end-of-life'
      ? `reached end of life on ${model.endOfLifeAt}`
      : `reaches end of life on ${model.endOfLifeAt} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'})`;
  const instead = model.replacement === undefined ? '' : `; migrate to ${model.replacement}`;
  return {
    model: model.id,
    endOfLifeAt: model.endOfLifeAt,
    daysLeft,
    status,
    replacement: model.replacement,
    message: `Model ${model.id} ${when}${instead}`,
  };
}

/**
 * Warnings for models within `withinDays` of, or past, their end-of-life date, soonest first.
 * Start-up logs them; the health endpoint reports them.
 */
export function listEndOfLifeWarnings(
  registry: ModelRegistry,
  { models, now = Date.now(), withinDays = 30 }: EndOfLifeWarningOptions = {},
): EndOfLifeWarning[] {
  const candidates =
    models === undefined ? registry.list() : models.map((id) => registry.resolve(id));
  return candidates
    .map((model) => warningFor(model, now, withinDays))
    .filter((warning): warning is EndOfLifeWarning => warning !== undefined)
    .sort((left, right) => left.daysLeft - right.daysLeft);
}
