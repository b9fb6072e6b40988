import type { JobKind } from '@aiq/config';
import { ChatMessage } from '@aiq/queue';
import { z } from 'zod';

/**
 * `background_tasks.type` of a chat generation on a provider queue. Every aiq type contains
 * `ai`, so the runbook's `type LIKE '%ai%'` finds them all.
 */
export const GENERATION_TASK_TYPE = 'ai_generation';

/** Input of `ai_generation`, as `submitTask` stores it: a chat generation on a provider queue. */
export const GenerationInput = z.object({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** Try the registry's fallback chain when the model fails for good. */
  fallback: z.boolean().default(true),
  /** The request's own fallback chain, replacing the registry's (checked at submission). */
  fallbackModels: z.array(z.string().min(1)).max(10).optional(),
  /**
   * The response cache: `true` opts in, `false` opts out; absent, on only at temperature 0
   * (see `RESPONSE_CACHE_TTL_MS`).
   */
  cache: z.boolean().optional(),
});
export type GenerationInput = z.infer<typeof GenerationInput>;

/** Token usage of a finished call, as the provider reported it. */
const Usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});

/** Result of `ai_generation`: the text and the model that wrote it. */
export const GenerationResult = z.object({
  status: z.literal('completed'),
  text: z.string(),
  model: z.string(),
  finishReason: z.string(),
  usage: Usage.nullable(),
  /** True when the text came from the response cache (no provider call). */
  cached: z.boolean().optional(),
});
export type GenerationResult = z.infer<typeof GenerationResult>;

/** Input of `ai_background_generation`: one long generation under the background deadline. */
export const BackgroundGenerationInput = z.object({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
});
export type BackgroundGenerationInput = z.infer<typeof BackgroundGenerationInput>;

/**
 * The smallest chunk of `ai_analyze_document`: each chunk is one provider call from the shared
 * per-provider budget, so `chunkTokens: 1` would be a call per token of the document.
 */
const MIN_CHUNK_TOKENS = 256;

/** Input of `ai_analyze_document`: map-reduce over a text too long for one call. */
export const AnalyzeDocumentInput = z.object({
  model: z.string().min(1),
  document: z.string().min(1),
  /** What to do with each chunk and with the combined notes. */
  instruction: z.string().min(1).default('Summarize the key points.'),
  /**
   * Prompt tokens per chunk, at least {@link MIN_CHUNK_TOKENS}. Absent: as much as fits the
   * model's window after the instruction and the output budget.
   */
  chunkTokens: z
    .number()
    .int()
    .min(MIN_CHUNK_TOKENS, `must be at least ${MIN_CHUNK_TOKENS} tokens (each chunk is a call)`)
    .optional(),
  /** Output budget of each call. @defaultValue 512 */
  maxTokens: z.number().int().positive().default(512),
});
export type AnalyzeDocumentInput = z.infer<typeof AnalyzeDocumentInput>;

/** `background_tasks.type` of an ensemble: one prompt fanned out to several models at once. */
export const ENSEMBLE_TASK_TYPE = 'ai_ensemble';

/** The fewest models an ensemble compares. */
export const ENSEMBLE_MIN_MODELS = 2;

/** The most models one ensemble fans out to: each is a provider call from the shared budgets. */
export const ENSEMBLE_MAX_MODELS = 8;

/**
 * Input of `ai_ensemble`, as `submitTask` stores it: the models with aliases resolved (distinct,
 * {@link ENSEMBLE_MIN_MODELS} to {@link ENSEMBLE_MAX_MODELS}; `submitTask` refuses others with
 * its own codes before this schema sees them) and the generation they all answer.
 */
export const EnsembleInput = z.object({
  models: z.array(z.string().min(1)).min(ENSEMBLE_MIN_MODELS).max(ENSEMBLE_MAX_MODELS),
  messages: z.array(ChatMessage).min(1),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
});
export type EnsembleInput = z.infer<typeof EnsembleInput>;

/** One model's answer in an ensemble, or its error: every asked model has one. */
export const EnsembleCandidate = z.object({
  /** The model asked for. */
  model: z.string(),
  status: z.enum(['completed', 'failed']),
  /** The model that answered (a retired model's successor); absent when it failed. */
  answeredBy: z.string().optional(),
  text: z.string().nullable(),
  finishReason: z.string().nullable(),
  usage: Usage.nullable(),
  /** The answering provider call, start to end; null when it failed. */
  latencyMs: z.number().int().nonnegative().nullable(),
  /** The candidate's final error: a task error code and message; null when it answered. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type EnsembleCandidate = z.infer<typeof EnsembleCandidate>;

/** Result of `ai_ensemble`: every candidate, in the order the models were asked. */
export const EnsembleResult = z.object({
  candidates: z.array(EnsembleCandidate).min(1),
  /** Candidates that answered (at least one, or the task failed `all_candidates_failed`). */
  succeeded: z.number().int().positive(),
});
export type EnsembleResult = z.infer<typeof EnsembleResult>;

/** Result of `ai_background_generation`. */
export const BackgroundGenerationResult = z.object({
  text: z.string(),
  model: z.string(),
  finishReason: z.string(),
});

/** Result of `ai_analyze_document`: the combined notes and how many chunks they came from. */
export const AnalyzeDocumentResult = z.object({
  chunks: z.number().int().nonnegative(),
  summary: z.string(),
});

/**
 * One task type: what it takes, what it returns, and its job type, which picks its deadline
 * (`GENERATE_TIMEOUT_MS` or `BACKGROUND_TIMEOUT_MS`) and retry policy. Producers validate
 * input with it; the worker's handler for the type runs with it; the reconciler and the API
 * parse stored results with it.
 */
export interface TaskDefinition<
  Input extends z.ZodType = z.ZodType,
  Result extends z.ZodType = z.ZodType,
> {
  readonly type: string;
  readonly jobKind: JobKind;
  readonly input: Input;
  readonly result: Result;
}

/** Keeps a definition's schema types while it joins a catalog. */
export function defineTaskType<Input extends z.ZodType, Result extends z.ZodType>(
  definition: TaskDefinition<Input, Result>,
): TaskDefinition<Input, Result> {
  return definition;
}

/** Type → definition. The API, the CLI and the worker share one. */
export type TaskCatalog = Readonly<Record<string, TaskDefinition>>;

/** aiq's own task types. Applications add theirs with {@link extendCatalog}. */
export const builtInTaskCatalog = {
  [GENERATION_TASK_TYPE]: defineTaskType({
    type: GENERATION_TASK_TYPE,
    jobKind: 'generate',
    input: GenerationInput,
    result: GenerationResult,
  }),
  ai_background_generation: defineTaskType({
    type: 'ai_background_generation',
    jobKind: 'background',
    input: BackgroundGenerationInput,
    result: BackgroundGenerationResult,
  }),
  ai_analyze_document: defineTaskType({
    type: 'ai_analyze_document',
    jobKind: 'background',
    input: AnalyzeDocumentInput,
    result: AnalyzeDocumentResult,
  }),
  /** A flow: its parent runs on `background-task` once every candidate on its provider queue ended. */
  [ENSEMBLE_TASK_TYPE]: defineTaskType({
    type: ENSEMBLE_TASK_TYPE,
    jobKind: 'background',
    input: EnsembleInput,
    result: EnsembleResult,
  }),
} as const satisfies TaskCatalog;

/** The built-in catalog with an application's own types (a later definition replaces one). */
export function extendCatalog(...definitions: readonly TaskDefinition[]): TaskCatalog {
  return {
    ...builtInTaskCatalog,
    ...Object.fromEntries(definitions.map((definition) => [definition.type, definition])),
  };
}

/** A built-in task's input, parsed by its type: one union, discriminated by `type`. */
export const TaskInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal(GENERATION_TASK_TYPE), input: GenerationInput }),
  z.object({ type: z.literal('ai_background_generation'), input: BackgroundGenerationInput }),
  z.object({ type: z.literal('ai_analyze_document'), input: AnalyzeDocumentInput }),
  z.object({ type: z.literal(ENSEMBLE_TASK_TYPE), input: EnsembleInput }),
]);
export type TaskInput = z.infer<typeof TaskInput>;

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
