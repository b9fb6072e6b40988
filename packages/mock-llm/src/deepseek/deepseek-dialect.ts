import { randomUUID } from 'node:crypto';
import type { GenerationPlan } from '../generation/plan-generation.js';
import { bearerAuthentication } from '../http/authenticate.js';
import type { ProviderDialect } from '../http/provider-dialect.js';
import {
  chatCompletion,
  chatCompletionFrames,
  type ChatShape,
} from '../openai/openai-chat-frames.js';
import { describeOpenAIChatRequest, OpenAIChatRequest } from '../openai/openai-chat-request.js';
import { openAIRateLimitHeaders } from '../openai/openai-dialect.js';
import { renderDeepSeekError } from './render-deepseek-error.js';

/** DeepSeek's usage adds context-cache counters (`prompt_cache_hit_tokens` / `_miss_tokens`). */
function deepSeekUsage(plan: GenerationPlan): Record<string, unknown> {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.tokens.length,
    total_tokens: plan.promptTokens + plan.tokens.length,
    prompt_tokens_details: { cached_tokens: 0 },
    prompt_cache_hit_tokens: 0,
    prompt_cache_miss_tokens: plan.promptTokens,
  };
}

const DEEPSEEK_SHAPE: ChatShape = {
  usage: deepSeekUsage,
  extras: { system_fingerprint: 'fp_mock_deepseek' },
  messageExtras: {},
};

/** The api.deepseek.com wire format: OpenAI-compatible, its own errors, UUID completion ids. */
export const deepSeekDialect: ProviderDialect<OpenAIChatRequest> = {
  provider: 'deepseek',
  schema: OpenAIChatRequest,
  ...bearerAuthentication,
  describe: describeOpenAIChatRequest,
  renderError: renderDeepSeekError,
  // DeepSeek documents no rate-limit headers; retry-after is added only when a fault asks. Under a
  // scripted rate limit (`setRateLimit`) it reports it as OpenAI-compatible APIs do.
  headers: (entry, rate) => (entry.rateLimit ? openAIRateLimitHeaders(entry, rate) : {}),
  completion: (context) => chatCompletion(DEEPSEEK_SHAPE, context),
  frames: (context) =>
    chatCompletionFrames(DEEPSEEK_SHAPE, context, {
      message: 'Server Error',
      type: 'server_error',
      param: null,
      code: 'invalid_request_error',
    }),
  streamErrorFallback: { kind: 'server_error' },
  newResponseId: () => randomUUID(),
};
