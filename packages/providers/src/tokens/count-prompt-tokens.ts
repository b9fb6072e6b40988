import type { ChatMessage, ProviderName } from '../provider.js';
import { assertNever } from '../assert-never.js';
import { countOpenAIPromptTokens } from './count-openai-tokens.js';
import { estimateAnthropicPromptTokens } from './estimate-anthropic-tokens.js';

/**
 * Prompt tokens as the provider will count them, including per-message overhead: exact
 * (`o200k_base`) for OpenAI, an `o200k_base` estimate for DeepSeek, a conservative estimate for
 * Anthropic.
 */
export function countPromptTokens(
  provider: ProviderName,
  messages: readonly ChatMessage[],
): number {
  switch (provider) {
    case 'openai':
    case 'deepseek':
      return countOpenAIPromptTokens(messages);
    case 'anthropic':
      return estimateAnthropicPromptTokens(messages);
    default:
      return assertNever(provider);
  }
}
