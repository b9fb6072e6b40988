import { z } from '@hono/zod-openapi';

const ChatMessage = z
  .object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })
  .openapi('ChatMessage');

const IdempotencyKey = z.string().min(1).max(255);

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
    /** Reserved for the response cache (routing issue); accepted and ignored today. */
    cache: z.boolean().optional(),
    idempotency_key: IdempotencyKey.optional(),
    /** Cancel the task when the SSE client disconnects before the end. */
    cancel_on_disconnect: z.boolean().default(false),
  })
  .refine((body) => body.messages !== undefined || body.prompt !== undefined, {
    message: 'send messages or prompt',
    path: ['messages'],
  })
  .refine((body) => !(body.messages !== undefined && body.prompt !== undefined), {
    message: 'send messages or prompt, not both',
    path: ['prompt'],
  })
  .openapi('GenerateRequest');
export type GenerateRequest = z.infer<typeof GenerateRequest>;

/** `POST /api/ai/background-task`. */
export const BackgroundTaskRequest = z
  .object({
    type: z.string().min(1).openapi({ example: 'ai_analyze_document' }),
    input: z.unknown().openapi({ type: 'object' }),
    idempotency_key: IdempotencyKey.optional(),
  })
  .openapi('BackgroundTaskRequest');

/** `POST /api/ai/background-task/retry`. */
export const RetryRequest = z.object({ taskId: z.uuid() }).openapi('RetryRequest');

export const IdempotencyHeaders = z.object({
  'idempotency-key': IdempotencyKey.optional().openapi({
    description: 'Returns the same task for the same key and user (24 h)',
  }),
});
