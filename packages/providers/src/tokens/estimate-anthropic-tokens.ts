import type { ChatMessage } from '../provider.js';

/** Framing per turn (role markers) and for the top-level system prompt, rounded up. */
const ANTHROPIC_TOKENS_PER_MESSAGE = 5;
const ANTHROPIC_REPLY_PRIMING_TOKENS = 3;

/**
 * Anthropic publishes no offline tokenizer (only the `count_tokens` endpoint, a network call), so
 * this is an estimate, made conservative on purpose: one token per 3 ASCII characters and one per
 * non-ASCII character. English averages about 3.5–4 characters per token on Claude, and the Claude
 * 5 tokenizer produces roughly 30% more tokens than earlier ones, so 3 characters still
 * over-counts; CJK text is close to one token per character. Over-counting refuses a prompt a
 * little early; under-counting would let the provider refuse it after a round trip.
 */
export function estimateAnthropicTextTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const character of text) {
    if (character.charCodeAt(0) < 128) ascii += 1;
    else other += 1;
  }
  return Math.ceil(ascii / 3) + other;
}

/** Estimated prompt tokens for a Claude request, system prompt included. */
export function estimateAnthropicPromptTokens(messages: readonly ChatMessage[]): number {
  let total = ANTHROPIC_REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    total += ANTHROPIC_TOKENS_PER_MESSAGE + estimateAnthropicTextTokens(message.content);
  }
  return total;
}
