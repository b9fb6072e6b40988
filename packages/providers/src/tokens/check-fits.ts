import type { GenerateRequest } from '../provider.js';
import { ProviderError, type TokenBudget } from '../provider-error.js';
import type { ModelInfo } from '../registry/model-entry.js';
import { countPromptTokens, maxCharactersPerToken } from './count-prompt-tokens.js';

/** Options of {@link checkFits}. */
export interface CheckFitsOptions {
  /** The tokenizer; tests pass a counting one. @defaultValue countPromptTokens */
  readonly countTokens?: typeof countPromptTokens;
}

function budgetOf(
  request: GenerateRequest,
  model: ModelInfo,
  countTokens: typeof countPromptTokens,
): TokenBudget {
  return {
    promptTokens: countTokens(model.provider, request.messages),
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
 * A prompt longer than the window's room for it at {@link maxCharactersPerToken}, refused by its
 * character count alone: no tokenizer runs on the event loop for a prompt that cannot fit.
 */
function oversizedPromptError(
  request: GenerateRequest,
  model: ModelInfo,
): ProviderError | undefined {
  const characters = request.messages.reduce((total, message) => total + message.content.length, 0);
  const room = Math.max(0, model.contextWindow - request.maxOutputTokens);
  const perToken = maxCharactersPerToken(model.provider);
  if (characters <= room * perToken) return undefined;
  return new ProviderError({
    kind: 'token_limit_exceeded',
    provider: model.provider,
    message: `${model.id}: prompt of ${characters} characters exceeds the ${room} tokens the context window of ${model.contextWindow} leaves after max output ${request.maxOutputTokens} (at ${perToken} characters per token at most; not tokenized)`,
  });
}

/**
 * Checks, before any provider call, that prompt tokens plus the output budget fit the model's
 * window (exactly at the window fits; one over does not) and that the output budget is within
 * the model's limit. Returns the counts. A prompt far too long by its character count is refused
 * before it is tokenized (without `tokenBudget`: its tokens were never counted).
 * @throws ProviderError kind `token_limit_exceeded` (with `tokenBudget`) or `invalid_request`
 */
export function checkFits(
  request: GenerateRequest,
  model: ModelInfo,
  { countTokens = countPromptTokens }: CheckFitsOptions = {},
): TokenBudget {
  if (request.maxOutputTokens > model.maxOutputTokens) {
    throw new ProviderError({
      kind: 'invalid_request',
      provider: model.provider,
      message: `${model.id}: max output ${request.maxOutputTokens} tokens exceeds the model's limit of ${model.maxOutputTokens}`,
    });
  }
  const oversized = oversizedPromptError(request, model);
  if (oversized !== undefined) throw oversized;
  const budget = budgetOf(request, model, countTokens);
  if (budget.promptTokens + budget.maxOutputTokens > budget.contextWindow)
    throw contextLengthError(model, budget);
  return budget;
}

/**
 * More prompt tokens than any count of ours can give `messages`: every token stands for at least
 * one UTF-8 byte (byte-level BPE), Anthropic's estimate counts at most one per byte, and each
 * message adds at most 5 tokens of framing, the reply 3.
 */
function promptTokensAtMost(messages: GenerateRequest['messages']): number {
  let total = 3;
  for (const message of messages) total += 5 + Buffer.byteLength(message.content, 'utf8');
  return total;
}

/**
 * {@link checkFits} for callers that need only the verdict (a producer accepting a task, a
 * fallback choosing a model): a prompt whose bytes fit the room is accepted without running the
 * tokenizer, which only the prompts that might not fit pay for.
 * @throws as {@link checkFits}
 */
export function assertFits(
  request: GenerateRequest,
  model: ModelInfo,
  options: CheckFitsOptions = {},
): void {
  const surelyFits =
    request.maxOutputTokens <= model.maxOutputTokens &&
    promptTokensAtMost(request.messages) + request.maxOutputTokens <= model.contextWindow;
  if (!surelyFits) checkFits(request, model, options);
}
