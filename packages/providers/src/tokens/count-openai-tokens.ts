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

/**
 * Longest run of non-space (or of space) characters given to the tokenizer in one piece. BPE
 * merges within a piece in time quadratic in its length: one run of 64 KiB of `a` takes
 * seconds of the event loop, where 64 KiB of prose takes milliseconds.
 */
const LONGEST_RUN = 256;
const LONG_RUN = new RegExp(`\\S{${LONGEST_RUN + 1},}|\\s{${LONGEST_RUN + 1},}`, 'g');

/**
 * `text` in the pieces the tokenizer is given: as is, except that each run longer than
 * {@link LONGEST_RUN} is cut into slices of that length. A cut can only add a token (no merge
 * across it), so the count stays an upper bound, within one token per cut.
 */
export function* tokenizerPieces(text: string): Generator<string> {
  let start = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    if (match.index > start) yield text.slice(start, match.index);
    for (let cut = 0; cut < match[0].length; cut += LONGEST_RUN) {
      yield match[0].slice(cut, cut + LONGEST_RUN);
    }
    start = match.index + match[0].length;
  }
  if (start < text.length || text.length === 0) yield text.slice(start);
}

/** Tokens in one string under `o200k_base`, the GPT-4o / GPT-5 encoding. */
export function countO200kTokens(text: string): number {
  let total = 0;
  for (const piece of tokenizerPieces(text)) total += countTokens(piece, AS_PLAIN_TEXT);
  return total;
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
