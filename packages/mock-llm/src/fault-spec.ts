import { z } from 'zod';

/** The providers the mock speaks for. Every logged request and scenario names one. */
export const MockProvider = z.enum(['openai', 'anthropic', 'deepseek']);
export type MockProvider = z.infer<typeof MockProvider>;

/**
 * Every fault the mock can inject. HTTP-level faults answer before any token; stream faults
 * (`disconnect`, `malformed_sse`, `stream_error`, `hang` with `after`) strike after `after`
 * content tokens; finish faults (`content_filter`, `insufficient_system_resource`) end the
 * generation early with that finish reason. `none` cancels a scenario for one request.
 */
export const FaultKind = z.enum([
  'none',
  'rate_limit',
  'server_error',
  'bad_gateway',
  'service_unavailable',
  'overloaded',
  'invalid_key',
  'permission_denied',
  'insufficient_balance',
  'context_length',
  'model_not_found',
  'content_filter',
  'insufficient_system_resource',
  'hang',
  'disconnect',
  'malformed_sse',
  'stream_error',
]);
export type FaultKind = z.infer<typeof FaultKind>;

const milliseconds = z.number().int().nonnegative();

/**
 * What one request should suffer, from a directive, the `x-mock-fault` header or a scenario.
 * Fields other than `fault` also tune healthy responses (length and pacing).
 */
export const FaultSpec = z.strictObject({
  /** The fault to inject; absent means a healthy response. */
  fault: FaultKind.optional(),
  /**
   * `retry-after` header in seconds. `null` sends none.
   * @defaultValue 1 for `rate_limit`, otherwise no header
   */
  retryAfter: z.number().nonnegative().nullable().optional(),
  /** `retry-after-ms` header in milliseconds (OpenAI SDK extension); absent sends none. */
  retryAfterMs: milliseconds.optional(),
  /**
   * Content tokens delivered before a stream or finish fault strikes.
   * @defaultValue 5 (capped at the response length)
   */
  after: z.number().int().nonnegative().optional(),
  /** Exact number of output tokens (before `max_tokens` truncation). @defaultValue 20–40, from the prompt hash */
  tokens: z.number().int().nonnegative().max(100_000).optional(),
  /** Delay before the first token (time to first token), in ms. @defaultValue 0 */
  ttftMs: milliseconds.optional(),
  /** Delay between tokens, in ms. @defaultValue 0 */
  tokenDelayMs: milliseconds.optional(),
  /** Accept a model id that is not in the provider's catalog. @defaultValue false */
  anyModel: z.boolean().optional(),
  /**
   * The exact response text, sent as one token instead of the deterministic words. Scenario
   * objects only (the directive grammar has no quoting): it lets a test script any text a model
   * may send, U+0000 and lone surrogates included.
   */
  text: z.string().optional(),
});
export type FaultSpec = z.infer<typeof FaultSpec>;

/** Which provider a scenario applies to; `*` matches all three. */
export const ScenarioProvider = z.union([MockProvider, z.literal('*')]);
export type ScenarioProvider = z.infer<typeof ScenarioProvider>;

const share = z.number().min(0).max(1);

/** One fault of a storm: the share of requests that get it. */
export const MixEntry = z.strictObject({
  share,
  /** Merged over the scenario's own `fault` for the requests it picks. */
  fault: z.union([z.string(), FaultSpec]),
});
export type MixEntry = z.input<typeof MixEntry>;

/** Body of `POST /_mock/scenarios`, and the argument of `MockLlmServer.addScenario`. */
export const ScenarioSpec = z
  .strictObject({
    /** @defaultValue '*' */
    provider: ScenarioProvider.default('*'),
    /** A fault spec object, or the directive grammar as a string (`"rate_limit retry_after=2"`). */
    fault: z.union([z.string(), FaultSpec]),
    /** Generation requests it applies to before it expires; absent means until cleared. */
    count: z.number().int().positive().optional(),
    /**
     * A storm: each request draws one entry by its `share` (the rest get `fault` alone), from a
     * generator seeded by `seed`, so the same seed deals the same faults in the same order.
     */
    mix: z.array(MixEntry).min(1).optional(),
    /** Seed of the storm's draws. @defaultValue 1 */
    seed: z.number().int().optional(),
  })
  .refine((spec) => (spec.mix ?? []).reduce((sum, entry) => sum + entry.share, 0) <= 1 + 1e-9, {
    message: 'the shares of a mix add up to more than 1',
    path: ['mix'],
  });
export type ScenarioSpec = z.input<typeof ScenarioSpec>;

/** A scenario as stored and listed. */
export const Scenario = z.object({
  id: z.string(),
  provider: ScenarioProvider,
  fault: FaultSpec,
  /** A storm's faults, each merged over `fault` for its share of requests. */
  mix: z.array(z.object({ share, fault: FaultSpec })).optional(),
  /** Requests it will still apply to; `null` means until cleared. */
  remaining: z.number().int().nonnegative().nullable(),
  /** Requests it has applied to so far. */
  applied: z.number().int().nonnegative(),
});
export type Scenario = z.infer<typeof Scenario>;
