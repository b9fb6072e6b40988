import { z } from 'zod';
import type { PromptMessage } from '../generation/mock-text.js';
import type { GenerationRequest } from '../http/provider-dialect.js';

const ContentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

/** Message content: a string or an array of parts (only `text` parts are read). */
const OpenAIContent = z.union([z.string(), z.array(ContentPart)]);

/**
 * Minimal schema of `POST /chat/completions` (OpenAI and DeepSeek): only the fields the mock
 * reads are checked; anything else (temperature, tools, …) passes through untouched.
 */
export const OpenAIChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
        content: OpenAIContent.nullish(),
      }),
    )
    .min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
});
export type OpenAIChatRequest = z.infer<typeof OpenAIChatRequest>;

/** Plain text of a content value: the string, or its text parts joined. */
function contentText(content: z.infer<typeof OpenAIContent> | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text ?? '').join('');
}

/** Reduces a chat-completions body to the shared {@link GenerationRequest}. */
export function describeOpenAIChatRequest(request: OpenAIChatRequest): GenerationRequest {
  const messages: PromptMessage[] = request.messages.map((message) => ({
    role: message.role,
    text: contentText(message.content),
  }));
  const lastUser = messages.findLast((message) => message.role === 'user');
  return {
    model: request.model,
    stream: request.stream === true,
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
    messages,
    lastUserText: lastUser?.text ?? '',
    includeUsage: request.stream_options?.include_usage === true,
  };
}
