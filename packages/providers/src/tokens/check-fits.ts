import type { GenerateRequest } from '../provider.js';
import { ProviderError, type TokenBudget } from '../provider-error.js';
import type { ModelInfo } from '../registry/model-entry.js';
import { countPromptTokens } from './count-prompt-tokens.js';

function budgetOf(request: GenerateRequest, model: ModelInfo): TokenBudget {
  return {
    promptTokens: countPromptTokens(model.provider, request.messages),
    maxOutputTokens: request.maxOutputTokens,
    contextWindow: model.contextWindow,
  };
}

/** The refusal for a budget over the window, carrying the counts. */
export function contextLengthError(model: ModelInfo, budget: TokenBudget): ProviderError {
  const { promptTokens, maxOutputTokens, contextWindow } = budget;
  return new ProviderError({
    kind: 'token_limit_exceeded',
    provider: model.provider,
    message: `${model.id}: prompt ${promptTokens} + max output ${maxOutputTokens} tokens exceeds the context window of ${contextWindow}`,
    tokenBudget: budget,
  });
}

/**
 * Checks, before any provider call, that prompt tokens plus the output budget fit the model's
 * window (exactly at the window fits; one over does not) and that the output budget is within
 * the model's limit. Returns the counts.
 * @throws ProviderError kind `token_limit_exceeded` (with `tokenBudget`) or `invalid_request`
 */
export function checkFits(request: GenerateRequest, model: ModelInfo): TokenBudget {
  if (request.maxOutputTokens > model.maxOutputTokens) {
    throw new ProviderError({
      kind: 'invalid_request',
      provider: model.provider,
      message: `${model.id}: max output ${request.maxOutputTokens} tokens exceeds the model's limit of ${model.maxOutputTokens}`,
    });
  }
  const budget = budgetOf(request, model);
  if (budget.promptTokens + budget.maxOutputTokens > budget.contextWindow)
    throw contextLengthError(model, budget);
  return budget;
}
