import { z } from 'zod';
import { ChatMessage } from '@aiq/queue';

/**
 * `background_tasks.type` of a chat generation on a provider queue. Every aiq type contains
 * `ai`, so the runbook's `type LIKE '%ai%'` finds them all.
 */
export const GENERATION_TASK_TYPE = 'ai_generation';

/** Input of `ai_background_generation`: one long generation under the background deadline. */
export const BackgroundGenerationInput = z.object({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
});
export type BackgroundGenerationInput = z.infer<typeof BackgroundGenerationInput>;

/** Input of `ai_analyze_document`: map-reduce over a text too long for one call. */
export const AnalyzeDocumentInput = z.object({
  model: z.string().min(1),
  document: z.string().min(1),
  /** What to do with each chunk and with the combined notes. */
  instruction: z.string().min(1).default('Summarize the key points.'),
  /**
   * Prompt tokens per chunk. Absent: as much as fits the model's window after the instruction
   * and the output budget.
   */
  chunkTokens: z.number().int().positive().optional(),
  /** Output budget of each call. @defaultValue 512 */
  maxTokens: z.number().int().positive().default(512),
});
export type AnalyzeDocumentInput = z.infer<typeof AnalyzeDocumentInput>;

/** Background task type → input schema. Applications extend it with their own types. */
export type TaskTypeSchemas = Readonly<Record<string, z.ZodType>>;

/** The built-in background task types. */
export const builtInTaskTypes = {
  ai_background_generation: BackgroundGenerationInput,
  ai_analyze_document: AnalyzeDocumentInput,
} as const satisfies TaskTypeSchemas;

/** A background task of a type nobody registered: refused at submission. */
export class UnknownTaskTypeError extends Error {
  override readonly name = 'UnknownTaskTypeError';
  constructor(
    readonly type: string,
    readonly knownTypes: readonly string[],
  ) {
    super(`Unknown task type "${type}". Known types: ${knownTypes.join(', ')}`);
  }
}
