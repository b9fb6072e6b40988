import { builtInTaskCatalog, type AnalyzeDocumentInput } from '@aiq/tasks';
import type { ModelRegistry } from '@aiq/providers';
import { splitIntoChunks } from './split-into-chunks.js';
import { defineTask } from './task-registry.js';

// Three characters per token undercounts no tokenizer we use (o200k averages about four on
// English, the Claude estimate four), so a chunk sized this way fits the window it was cut for.
const CHARS_PER_TOKEN = 3;
/** Room for the chat framing and the instruction. */
const PROMPT_OVERHEAD_TOKENS = 256;
/** A chunk larger than this gains nothing and makes a retry costly. */
const MAX_CHUNK_TOKENS = 16_000;

function chunkTokens(input: AnalyzeDocumentInput, registry: ModelRegistry): number {
  if (input.chunkTokens !== undefined) return input.chunkTokens;
  // The model asked for, not its successor: chunks must not change between retries, since
  // finished ones are memoized by index.
  const model = registry.resolve(input.model);
  const room = model.contextWindow - input.maxTokens - PROMPT_OVERHEAD_TOKENS;
  return Math.max(1, Math.min(MAX_CHUNK_TOKENS, room));
}

/**
 * `ai_analyze_document`: map-reduce over a document too long for one call. Each chunk is
 * analysed (`map:<i>`, a progress event each), then the notes are combined (`reduce`, streamed).
 * Every finished step is memoized, so a retried task resumes after its last finished step.
 */
export function createAnalyzeDocumentTask(registry: ModelRegistry) {
  return defineTask(builtInTaskCatalog.ai_analyze_document, async (input, context) => {
    const chunks = splitIntoChunks(input.document, chunkTokens(input, registry) * CHARS_PER_TOKEN);
    const notes: string[] = [];
    for (const [index, chunk] of chunks.entries()) {
      const step = `map:${index}`;
      const note = await context.step(step, async () => {
        const messages = [
          { role: 'system' as const, content: input.instruction },
          { role: 'user' as const, content: chunk },
        ];
        const generation = await context.generate(
          { model: input.model, messages, maxTokens: input.maxTokens },
          { step },
        );
        return generation.text;
      });
      notes.push(note);
      await context.progress('map', index + 1, chunks.length);
    }
    const summary = await context.step('reduce', async () => {
      const messages = [
        {
          role: 'system' as const,
          content: `${input.instruction} Combine the notes on consecutive parts of one document into one answer.`,
        },
        {
          role: 'user' as const,
          content: notes.map((note, index) => `Part ${index + 1}: ${note}`).join('\n\n'),
        },
      ];
      const generation = await context.generate(
        { model: input.model, messages, maxTokens: input.maxTokens },
        { step: 'reduce', streamTokens: true },
      );
      return generation.text;
    });
    await context.progress('reduce', 1, 1);
    return { summary, chunks: chunks.length };
  });
}
