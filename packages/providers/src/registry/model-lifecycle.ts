import type { ModelInfo } from './model-entry.js';

/**
 * Where a model is in its life at a given time:
 * - `active`: served, no retirement announced;
 * - `deprecated`: still served, but the provider has announced its end of life;
 * - `retired`: on or after its end-of-life day, when the provider no longer serves it.
 */
export type ModelLifecycle = 'active' | 'deprecated' | 'retired';

const DAY_MS = 86_400_000;

/** Epoch ms of a `YYYY-MM-DD` day's start in UTC. */
function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** Epoch ms when the model stops being served (its end-of-life day begins, UTC), if announced. */
function endOfLifeTime(model: ModelInfo): number | undefined {
  return model.endOfLifeAt === undefined ? undefined : dayStart(model.endOfLifeAt);
}

/** Whole days from `now` until the end-of-life day begins (UTC); zero or less once it has. */
export function daysUntilEndOfLife(model: ModelInfo, now: number): number | undefined {
  const end = endOfLifeTime(model);
  return end === undefined ? undefined : Math.ceil((end - now) / DAY_MS);
}

/** The model's {@link ModelLifecycle} at `now`. */
export function lifecycleAt(model: ModelInfo, now: number): ModelLifecycle {
  const end = endOfLifeTime(model);
  if (end !== undefined && now >= end) return 'retired';
  if (end !== undefined) return 'deprecated';
  if (model.deprecatedAt !== undefined && now >= dayStart(model.deprecatedAt)) return 'deprecated';
  return 'active';
}
