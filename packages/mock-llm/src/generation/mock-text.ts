import { createHash } from 'node:crypto';

// 64 plain words: every token is one word, so token counts are exact and easy to assert.
const WORDS = (
  'the queue worker retries each job with patience and care while tokens stream from a distant model that never sleeps every answer arrives in order so readers trust it fully calm servers ' +
  'hum under steady load bright ledgers record costs quiet circuits open then close again once traffic settles down gentle backoff waits before another attempt begins here today now swift replies follow soon'
).split(' ');

/** A sha256 digest of `text` as a buffer; the source of all mock determinism. */
function hashText(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * The first `count` tokens of the endless deterministic word stream for `seed`. The first
 * token is a capitalised word; later ones carry a leading space, so joining them gives the
 * text and a shorter response is always a prefix of a longer one.
 */
export function mockTokens(seed: string, count: number): string[] {
  const tokens: string[] = [];
  let block: Buffer = Buffer.alloc(0);
  for (let index = 0; index < count; index += 1) {
    // Each 32-byte digest yields 32 tokens (one byte each); the block number keeps going.
    if (index % 32 === 0) block = hashText(`${seed}\u0000${index / 32}`);
    const word = WORDS[(block[index % 32] ?? 0) % WORDS.length] ?? 'the';
    tokens.push(index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : ` ${word}`);
  }
  return tokens;
}

/** Default response length for a prompt: 20–40 tokens, fixed by the prompt hash. */
export function defaultTokenCount(seed: string): number {
  return 20 + ((hashText(seed)[0] ?? 0) % 21);
}

/**
 * The mock's token count for a piece of text: one token per 4 characters, rounded up
 * (OpenAI's rule of thumb). Used for prompts; output tokens are counted one per word.
 */
export function countTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** A conversation turn reduced to what the mock reads: role and plain text. */
export type PromptMessage = { role: string; text: string };

/** Per-message framing overhead, as in OpenAI's chat token accounting. */
const TOKENS_PER_MESSAGE = 4;

/**
 * Prompt tokens for a conversation: `ceil(chars / 4) + 4` per message (system included).
 * Every provider reports the same number for the same conversation.
 */
export function countPromptTokens(messages: readonly PromptMessage[]): number {
  return messages.reduce(
    (sum, message) => sum + countTextTokens(message.text) + TOKENS_PER_MESSAGE,
    0,
  );
}

/**
 * The seed of a conversation: roles and texts, with the system prompt normalised to
 * `system`, so the same conversation gets the same answer from every provider.
 */
export function promptSeed(messages: readonly PromptMessage[]): string {
  return messages
    .map((message) => `${message.role === 'developer' ? 'system' : message.role}: ${message.text}`)
    .join('\n');
}
