import type { GenerationPlan } from '../generation/plan-generation.js';
import { type ResponseContext, sseFrame, type StreamFrames } from '../http/provider-dialect.js';

/** What differs between OpenAI and DeepSeek inside the shared chat-completions shape. */
export type ChatShape = {
  /** The `usage` object for a plan. */
  usage(plan: GenerationPlan): Record<string, unknown>;
  /** Top-level fields every completion and chunk carries (`service_tier`, `system_fingerprint`). */
  extras: Record<string, unknown>;
  /** Fields of the assistant message besides role and content. */
  messageExtras: Record<string, unknown>;
};

/** OpenAI's usage object, with the detail objects its current API always includes. */
export function openAIUsage(plan: GenerationPlan): Record<string, unknown> {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.tokens.length,
    total_tokens: plan.promptTokens + plan.tokens.length,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** The `chat.completion` object of a non-streaming response. */
export function chatCompletion(shape: ChatShape, context: ResponseContext): unknown {
  const { plan } = context;
  return {
    id: context.responseId,
    object: 'chat.completion',
    created: context.created,
    model: context.request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: plan.tokens.join(''), ...shape.messageExtras },
        logprobs: null,
        finish_reason: plan.finishReason,
      },
    ],
    usage: shape.usage(plan),
    ...shape.extras,
  };
}

/**
 * Frames of a streamed completion: a role chunk, one chunk per token, a finish chunk, the
 * usage chunk (`choices: []`) when `stream_options.include_usage` is set, then `data: [DONE]`.
 */
export function chatCompletionFrames(
  shape: ChatShape,
  context: ResponseContext,
  inStreamError: unknown,
): StreamFrames {
  const { plan, request } = context;
  const head = {
    id: context.responseId,
    object: 'chat.completion.chunk',
    created: context.created,
    model: request.model,
    ...shape.extras,
  };
  // With include_usage every chunk carries `usage: null` until the final usage chunk.
  const usageNull = request.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finishReason: string | null): string =>
    sseFrame({
      ...head,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...usageNull,
    });
  return {
    start: () => [chunk({ role: 'assistant', content: '', ...shape.messageExtras }, null)],
    token: (text) => chunk({ content: text }, null),
    finish: () => [
      chunk({}, plan.finishReason),
      ...(request.includeUsage
        ? [sseFrame({ ...head, choices: [], usage: shape.usage(plan) })]
        : []),
      'data: [DONE]\n\n',
    ],
    malformed: () =>
      `data: {"id":"${context.responseId}","object":"chat.completion.chunk","choices":[{"delta":{"content":"\n\n`,
    error: () => sseFrame({ error: inStreamError }),
  };
}
