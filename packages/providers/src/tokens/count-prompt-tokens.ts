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

/**
 * The most characters one prompt token can stand for, by the provider's count: a prompt longer
 * than this many characters per token of room is refused without tokenizing it. Anthropic's
 * estimate counts at least one token per 3 characters, so 3 is exact there. `o200k_base` has
 * longer tokens (runs of up to 128 spaces; 8 for a run of one letter), but ordinary text of any
 * kind averages 2–5 characters per token (English prose 4.5), so 8 refuses only text that would
 * not fit anyway or is one repeated character, and spares the event loop: BPE over one long
 * run is quadratic (64 KiB of `a` takes 9 s to count).
 */
export function maxCharactersPerToken(provider: ProviderName): number {
  switch (provider) {
    case 'openai':
    case 'deepseek':
      return 8;
    case 'anthropic':
      return 3;
    default:
      return assertNever(provider);
  }
}
