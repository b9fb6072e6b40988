import type { ModelRegistry } from '@aiq/providers';
import type { AnalyzeDocumentInput } from './task-catalog.js';

// Three characters per token undercounts no tokenizer we use (o200k averages about four on
// English, the Claude estimate four), so a chunk sized this way fits the window it was cut for.
const CHARS_PER_TOKEN = 3;
/** Room for the chat framing and the instruction. */
const PROMPT_OVERHEAD_TOKENS = 256;
/** A chunk larger than this gains nothing and makes a retry costly. */
const MAX_CHUNK_TOKENS = 16_000;

/**
 * Splits a text into pieces of at most `maxChars` characters, cutting at the last whitespace
 * before the limit when there is one (so words stay whole), and never returning empty pieces.
 */
function splitIntoChunks(text: string, maxChars: number): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars + 1);
    const cut = window.search(/\s\S*$/);
    const end = cut > maxChars / 2 ? cut : maxChars;
    chunks.push(rest.slice(0, end).trim());
    rest = rest.slice(end).trim();
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

function chunkTokens(input: AnalyzeDocumentInput, registry: ModelRegistry): number {
  if (input.chunkTokens !== undefined) return input.chunkTokens;
  // The model asked for, not its successor: chunks must not change between retries, since
  // finished ones are memoized by index.
  const model = registry.resolve(input.model);
  const room = model.contextWindow - input.maxTokens - PROMPT_OVERHEAD_TOKENS;
  return Math.max(1, Math.min(MAX_CHUNK_TOKENS, room));
}

/**
 * The chunks an `ai_analyze_document` task maps over, one model call each. The producer counts
 * them to refuse a task over `ANALYZE_MAX_CHUNKS`; the worker maps over the same ones.
 */
export function documentChunks(input: AnalyzeDocumentInput, registry: ModelRegistry): string[] {
  return splitIntoChunks(input.document, chunkTokens(input, registry) * CHARS_PER_TOKEN);
}

/** A task refused at submission for what it would cost, with a stable code for the API. */
export class TaskRefusedError extends Error {
  override readonly name = 'TaskRefusedError';
  constructor(
    readonly code:
      | 'too_many_chunks'
      | 'unknown_fallback_model'
      | 'too_few_models'
      | 'too_many_models'
      | 'duplicate_models',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Refuses an analysis of more chunks than `maxChunks` before anything is written: each chunk is
 * a provider call from the shared per-provider budget.
 * @throws TaskRefusedError `too_many_chunks`, naming the count and the limit
 */
export function assertChunkLimit(
  input: AnalyzeDocumentInput,
  registry: ModelRegistry,
  maxChunks: number,
): void {
  const chunks = documentChunks(input, registry).length;
  if (chunks <= maxChunks) return;
  throw new TaskRefusedError(
    'too_many_chunks',
    `The document makes ${chunks} chunks of at most ${chunkTokens(input, registry)} tokens, over the limit of ANALYZE_MAX_CHUNKS (${maxChunks}) per task; send a shorter document or larger chunkTokens`,
  );
}
