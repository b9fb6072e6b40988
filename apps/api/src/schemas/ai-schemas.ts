import { z } from '@hono/zod-openapi';

const ChatMessage = z
  .object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })
  .openapi('ChatMessage');

const IdempotencyKey = z.string().min(1).max(255);

/** A request sends `messages` or `prompt`, exactly one of them. */
function oneOfPromptOrMessages(
  body: { messages?: unknown; prompt?: unknown },
  context: z.RefinementCtx,
): void {
  if (body.messages === undefined && body.prompt === undefined) {
    context.addIssue({ code: 'custom', message: 'send messages or prompt', path: ['messages'] });
  } else if (body.messages !== undefined && body.prompt !== undefined) {
    context.addIssue({
      code: 'custom',
      message: 'send messages or prompt, not both',
      path: ['prompt'],
    });
  }
}

/** `POST /api/ai/generate`. */
export const GenerateRequest = z
  .object({
    model: z.string().min(1).openapi({ example: 'gpt-5' }),
    /** The conversation; or `prompt` (and `system`) for a single turn. */
    messages: z.array(ChatMessage).min(1, 'must hold at least one message').optional(),
    prompt: z.string().min(1).optional(),
    system: z.string().min(1).optional(),
    max_tokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(2).optional(),
    /** SSE of the task's events (default) or 202 with its URLs. */
    stream: z.boolean().default(true),
    /** Continue on the fallback chain when the model fails for good. */
    fallback: z.boolean().default(true),
    /** The request's own fallback chain (model ids, first choice first), replacing the registry's. */
    fallback_models: z
      .array(z.string().min(1).max(200))
      .max(10)
      .optional()
      .openapi({ example: ['claude-sonnet-5-5', 'deepseek-chat'] }),
    /**
     * The response cache: `true` answers from it (or fills it), `false` never does; absent, it
     * is used only at temperature 0.
     */
    cache: z.boolean().optional(),
    idempotency_key: IdempotencyKey.optional(),
    /** Cancel the task when the SSE client disconnects before the end. */
    cancel_on_disconnect: z.boolean().default(false),
  })
  .superRefine(oneOfPromptOrMessages)
  .openapi('GenerateRequest');
export type GenerateRequest = z.infer<typeof GenerateRequest>;

/** `POST /api/ai/ensemble`: one prompt to several models in parallel. */
export const EnsembleRequest = z
  .object({
    /**
     * 2 to 8 distinct models (ids or aliases). Absent: one per enabled provider, the first model
     * of each in the fallback chain. Counts and duplicates are refused with their own codes.
     */
    models: z
      .array(z.string().min(1))
      .optional()
      .openapi({ example: ['gpt-5.6-sol', 'claude-sonnet-5-5', 'deepseek-chat'] }),
    messages: z.array(ChatMessage).min(1, 'must hold at least one message').optional(),
    prompt: z.string().min(1).optional(),
    system: z.string().min(1).optional(),
    max_tokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(2).optional(),
    /** SSE of the task's events, each candidate's tagged with its model (default), or 202. */
    stream: z.boolean().default(true),
    idempotency_key: IdempotencyKey.optional(),
    /** Cancel the task (every candidate) when the SSE client disconnects before the end. */
    cancel_on_disconnect: z.boolean().default(false),
  })
  .superRefine(oneOfPromptOrMessages)
  .openapi('EnsembleRequest');
export type EnsembleRequest = z.infer<typeof EnsembleRequest>;

/**
 * Deepest nesting of arrays and objects a background task's input may have. Deeper input is
 * refused with a 400: copying it (U+0000 clean-up, JSON for the job, jsonb) recurses once per
 * level and overflowed the stack, a 500, at a few thousand levels (found by the route fuzzer).
 */
const MAX_INPUT_DEPTH = 64;

/** Whether `value` nests at most `limit` levels; iterative, so it cannot overflow itself. */
function nestsWithin(value: unknown, limit: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= limit) return false;
    for (const child of Object.values(next.value))
      pending.push({ value: child, depth: next.depth + 1 });
  }
  return true;
}

/** `POST /api/ai/background-task`. */
export const BackgroundTaskRequest = z
  .object({
    type: z.string().min(1).openapi({ example: 'ai_analyze_document' }),
    input: z
      .unknown()
      .refine((input) => nestsWithin(input, MAX_INPUT_DEPTH), {
        message: `must not nest deeper than ${MAX_INPUT_DEPTH} levels`,
      })
      .openapi({ type: 'object' }),
    idempotency_key: IdempotencyKey.optional(),
  })
  .openapi('BackgroundTaskRequest');

/** `POST /api/ai/background-task/retry`. */
export const RetryRequest = z.object({ taskId: z.uuid() }).openapi('RetryRequest');

/** `X-Aiq-Cache` on `/v1/chat/completions`: the response cache, for clients that cannot add body fields. */
const CacheHeader = z.enum(['true', 'false']);

export const IdempotencyHeaders = z.object({
  'idempotency-key': IdempotencyKey.optional().openapi({
    description: 'Returns the same task for the same key and user (24 h)',
  }),
});

/** `/v1/chat/completions` headers: idempotency, and the response cache as a header. */
export const CompletionHeaders = IdempotencyHeaders.extend({
  'x-aiq-cache': CacheHeader.optional().openapi({
    description: 'Response cache: `true` opts in, `false` out (wins over the body field `cache`)',
  }),
});
