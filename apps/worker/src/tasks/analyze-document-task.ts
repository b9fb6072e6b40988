import { builtInTaskCatalog, documentChunks } from '@aiq/tasks';
import type { ModelRegistry } from '@aiq/providers';
import { defineTask } from './task-registry.js';

/**
 * `ai_analyze_document`: map-reduce over a document too long for one call. Each chunk is
 * analysed (`map:<i>`, a progress event each), then the notes are combined (`reduce`, streamed).
 * Every finished step is memoized, so a retried task resumes after its last finished step.
 */
export function createAnalyzeDocumentTask(registry: ModelRegistry) {
  return defineTask(builtInTaskCatalog.ai_analyze_document, async (input, context) => {
    const chunks = documentChunks(input, registry);
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
