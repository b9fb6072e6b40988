import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage } from '../provider.js';

/**
 * Chat format overhead from OpenAI's cookbook ("How to count tokens with tiktoken"): each message
 * costs 3 tokens of framing plus its role, and every reply is primed with 3 more.
 */
const OPENAI_TOKENS_PER_MESSAGE = 4;
const OPENAI_REPLY_PRIMING_TOKENS = 3;

// Text that contains "<|endoftext|>" and the like is user text, not a control token: count it as
// text instead of throwing (gpt-tokenizer disallows special tokens by default).
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Tokens in one string under `o200k_base`, the GPT-4o / GPT-5 encoding. */
export function countO200kTokens(text: string): number {
  return countTokens(text, AS_PLAIN_TEXT);
}

/**
 * Prompt tokens for OpenAI models, and the estimate for DeepSeek: DeepSeek's own tokenizer is not
 * published on npm, so `o200k_base` (a similar-sized BPE vocabulary) stands in for it.
 */
export function countOpenAIPromptTokens(messages: readonly ChatMessage[]): number {
  let total = OPENAI_REPLY_PRIMING_TOKENS;
  for (const message of messages)
    total += OPENAI_TOKENS_PER_MESSAGE + countO200kTokens(message.content);
  return total;
}
