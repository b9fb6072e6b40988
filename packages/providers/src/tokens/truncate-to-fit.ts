import type { ChatMessage, GenerateRequest } from '../provider.js';
import type { TokenBudget } from '../provider-error.js';
import type { ModelInfo } from '../registry/model-entry.js';
import { contextLengthError } from './check-fits.js';
import { countPromptTokens } from './count-prompt-tokens.js';

/** What {@link truncateToFit} kept. */
export interface TruncationResult {
  /** The request with the oldest non-system turns removed. */
  readonly request: GenerateRequest;
  /** How many non-system messages were dropped. */
  readonly droppedMessages: number;
  /** The counts of the request as kept. */
  readonly budget: TokenBudget;
}

/**
 * Opt-in truncation: keeps every system message and the newest other messages that fit beside the
 * output budget, in their original order. Whole messages only; none is cut in half.
 * @throws ProviderError kind `token_limit_exceeded` when the system messages and the newest
 * message alone do not fit
 */
export function truncateToFit(request: GenerateRequest, model: ModelInfo): TruncationResult {
  const { provider } = model;
  const available = model.contextWindow - request.maxOutputTokens;
  // Both counters are a fixed priming cost plus a sum over messages, so messages price separately.
  const base = countPromptTokens(provider, []);
  const cost = (message: ChatMessage) => countPromptTokens(provider, [message]) - base;
  const keep = request.messages.map((message) => message.role === 'system');
  let used =
    base +
    request.messages.reduce((sum, message, index) => sum + (keep[index] ? cost(message) : 0), 0);
  let newestCost: number | undefined;
  for (let index = request.messages.length - 1; index >= 0; index -= 1) {
    const message = request.messages[index];
    if (message === undefined || keep[index]) continue;
    const messageCost = cost(message);
    newestCost ??= messageCost;
    if (used + messageCost > available) break;
    used += messageCost;
    keep[index] = true;
  }
  const messages = request.messages.filter((_, index) => keep[index]);
  const dropped = keep.filter((kept) => !kept).length;
  const budget = {
    promptTokens: used,
    maxOutputTokens: request.maxOutputTokens,
    contextWindow: model.contextWindow,
  };
  const keptNone =
    newestCost !== undefined && messages.every((message) => message.role === 'system');
  if (keptNone)
    throw contextLengthError(model, { ...budget, promptTokens: used + (newestCost ?? 0) });
  if (used > available) throw contextLengthError(model, budget);
  return { request: { ...request, messages }, droppedMessages: dropped, budget };
}
