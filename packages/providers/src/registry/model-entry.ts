import { z } from 'zod';

/** `YYYY-MM-DD`, a calendar day in UTC that exists (no 2027-02-29). */
const IsoDate = z.iso.date('expected a date as YYYY-MM-DD');

/** What aiq knows about one model: where it runs, how much fits, what it costs, when it retires. */
export const ModelEntry = z.strictObject({
  provider: z.enum(['openai', 'anthropic', 'deepseek']),
  /** Prompt plus output, in tokens. `checkFits` refuses requests above it. */
  contextWindow: z.number().int().positive(),
  /** Largest output budget the model accepts. */
  maxOutputTokens: z.number().int().positive(),
  /** List price in US dollars per million input tokens (cache misses). */
  inputUsdPerMillionTokens: z.number().nonnegative(),
  /** List price in US dollars per million output tokens. */
  outputUsdPerMillionTokens: z.number().nonnegative(),
  /** When the provider announced the retirement. */
  deprecatedAt: IsoDate.optional(),
  /** The first day the provider no longer serves the model. */
  endOfLifeAt: IsoDate.optional(),
  /**
   * The provider's recommended replacement, a model of the same provider: warnings name it, and
   * from `endOfLifeAt` on requests for this model run on it (`RETIRED_MODELS=substitute`).
   */
  replacement: z.string().min(1).optional(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

/** A registry entry together with its API id. */
export type ModelInfo = ModelEntry & { readonly id: string };

/**
 * The JSON file that extends or overrides the built-in registry (path from `MODELS_FILE`). A
 * `models` entry for a known id is merged onto it (so `{ "inputUsdPerMillionTokens": 5 }` only
 * changes the price); an entry for a new id must be complete.
 */
export const ModelRegistryFile = z.strictObject({
  models: z.record(z.string().min(1), ModelEntry.partial()).optional(),
  /** Extra names → API id, e.g. `{ "writer": "claude-sonnet-5-5" }`. */
  aliases: z.record(z.string().min(1), z.string().min(1)).optional(),
  /** Replaces the default fallback chain; ids or aliases, first choice first. */
  fallbackChain: z.array(z.string().min(1)).min(1).optional(),
  /**
   * A model's own fallback chain, replacing the default one for requests of that model:
   * `{ "claude-haiku-4-5": ["gpt-5.6-sol", "deepseek-chat"] }`.
   */
  fallbackChains: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional(),
});
export type ModelRegistryFile = z.infer<typeof ModelRegistryFile>;
