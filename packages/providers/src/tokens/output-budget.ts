import type { ModelInfo } from '../registry/model-entry.js';

/** The output budget of a request that sets none, within the model's own limit. */
const DEFAULT_MAX_OUTPUT_TOKENS = 1_024;

/**
 * The output budget a request runs with: its own `maxTokens`, else 1,024 tokens or the model's
 * limit if lower. The producers check it against the window and the workers send it, so both
 * must come from here.
 */
export function outputBudget(model: ModelInfo, maxTokens?: number): number {
  return maxTokens ?? Math.min(DEFAULT_MAX_OUTPUT_TOKENS, model.maxOutputTokens);
}
