import { z } from '@hono/zod-openapi';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

/** One message as OpenAI clients send it; `developer` is OpenAI's newer name for `system`. */
const OpenAIMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(TextPart).min(1)]),
});

/**
 * `POST /v1/chat/completions`, the fields aiq honours. Others that SDKs send (`user`,
 * `metadata`, `store`, …) are accepted and ignored rather than refused.
 */
export const ChatCompletionRequest = z
  .looseObject({
    model: z.string().min(1),
    messages: z.array(OpenAIMessage).min(1, 'must hold at least one message'),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    n: z.literal(1).nullish(),
    /**
     * aiq's extension: the response cache (`extra_body` in OpenAI SDKs, or the `X-Aiq-Cache`
     * header, which wins). `true` opts in, `false` out; absent, on only at temperature 0.
     */
    cache: z.boolean().nullish(),
  })
  .openapi('ChatCompletionRequest');
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

const Usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

export const ChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string(),
          refusal: z.null(),
        }),
        finish_reason: z.string(),
        logprobs: z.null(),
      }),
    ),
    usage: Usage,
    system_fingerprint: z.null(),
  })
  .openapi('ChatCompletion');
export type ChatCompletion = z.infer<typeof ChatCompletion>;

const ModelObject = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
    /** aiq's addition, ignored by OpenAI clients: the provider has announced its end of life. */
    deprecated: z.boolean(),
    /** `active`, `deprecated`, or `retired` (past its end of life). */
    lifecycle: z.enum(['active', 'deprecated', 'retired']),
    /** The first day the provider no longer serves it (YYYY-MM-DD), if announced. */
    end_of_life_date: z.string().nullable(),
    /** The successor requests run on once it has retired (`RETIRED_MODELS=substitute`). */
    replacement: z.string().nullable(),
  })
  .openapi('Model');

export const ModelList = z
  .object({ object: z.literal('list'), data: z.array(ModelObject) })
  .openapi('ModelList');

export const OpenAIErrorResponse = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi('OpenAIError');
