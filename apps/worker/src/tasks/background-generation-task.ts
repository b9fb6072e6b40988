import { builtInTaskCatalog } from '@aiq/tasks';
import { defineTask } from './task-registry.js';

/** `ai_background_generation`: one long generation under the background deadline, streamed. */
export const backgroundGenerationTask = defineTask(
  builtInTaskCatalog.ai_background_generation,
  async (input, context) => {
    const generation = await context.generate(input, { step: 'generate', streamTokens: true });
    return {
      text: generation.text,
      model: generation.model,
      finishReason: generation.finishReason,
    };
  },
);
