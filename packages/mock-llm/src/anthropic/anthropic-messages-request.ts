import { z } from 'zod';
import type { PromptMessage } from '../generation/mock-text.js';
import type { GenerationRequest } from '../http/provider-dialect.js';

const ContentBlock = z.looseObject({ type: z.string(), text: z.string().optional() });

/** Message content: a string or an array of content blocks (only `text` blocks are read). */
const AnthropicContent = z.union([z.string(), z.array(ContentBlock)]);

/** The fields shared by `POST /v1/messages` and `POST /v1/messages/count_tokens`. */
const conversation = {
  model: z.string().min(1),
  messages: z
    .array(z.looseObject({ role: z.enum(['user', 'assistant']), content: AnthropicContent }))
    .min(1),
  system: AnthropicContent.optional(),
};

/** Minimal schema of `POST /v1/messages`; unknown fields pass through. */
export const AnthropicMessagesRequest = z.looseObject({
  ...conversation,
  max_tokens: z.number().int().min(1),
  stream: z.boolean().optional(),
});
export type AnthropicMessagesRequest = z.infer<typeof AnthropicMessagesRequest>;

/** Minimal schema of `POST /v1/messages/count_tokens`. */
export const AnthropicCountTokensRequest = z.looseObject(conversation);
export type AnthropicCountTokensRequest = z.infer<typeof AnthropicCountTokensRequest>;

function contentText(content: z.infer<typeof AnthropicContent>): string {
  if (typeof content === 'string') return content;
  return content.map((block) => block.text ?? '').join('');
}

/** The conversation as plain text, with the `system` parameter first. */
export function anthropicPromptMessages(request: AnthropicCountTokensRequest): PromptMessage[] {
  const system =
    request.system === undefined ? [] : [{ role: 'system', text: contentText(request.system) }];
  const turns = request.messages.map((message) => ({
    role: message.role,
    text: contentText(message.content),
  }));
  return [...system, ...turns];
}

/** Reduces a messages body to the shared {@link GenerationRequest}. */
export function describeAnthropicRequest(request: AnthropicMessagesRequest): GenerationRequest {
  const messages = anthropicPromptMessages(request);
  const lastUser = messages.findLast((message) => message.role === 'user');
  return {
    model: request.model,
    stream: request.stream === true,
    maxTokens: request.max_tokens,
    messages,
    lastUserText: lastUser?.text ?? '',
    includeUsage: true,
  };
}
