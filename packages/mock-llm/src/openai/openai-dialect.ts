import { randomBase62 } from '../http/record-request.js';
import { bearerAuthentication } from '../http/authenticate.js';
import type { ProviderDialect, RateLimitState } from '../http/provider-dialect.js';
import type { RecordedRequest } from '../request-log.js';
import {
  chatCompletion,
  chatCompletionFrames,
  type ChatShape,
  openAIUsage,
} from './openai-chat-frames.js';
import { describeOpenAIChatRequest, OpenAIChatRequest } from './openai-chat-request.js';
import { renderOpenAIError } from './render-openai-error.js';

/** OpenAI formats reset times as Go-style durations: `6ms`, `1s`, `1m30s`. */
function formatResetDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  // Rounded up: rounded down, a client waiting for the reset would arrive just before it.
  if (seconds < 1) return `${Math.ceil(seconds * 1000)}ms`;
  const minutes = Math.floor(seconds / 60);
  const rest = Number((Math.ceil((seconds % 60) * 1000) / 1000).toFixed(3));
  return minutes > 0 ? `${minutes}m${rest}s` : `${rest}s`;
}

/**
 * `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`: a scripted limit's real state when the
 * request ran under one (`entry.rateLimit`), else a roomy fixed one (exhausted on a 429).
 */
export function openAIRateLimitHeaders(
  entry: RecordedRequest,
  rate: RateLimitState,
): Record<string, string> {
  // Roomy (a high usage tier), so pacing never slows a test that scripted no limit.
  const fixed = {
    requests: { limit: 10_000, remaining: rate.limited ? 0 : 9_999, resetMs: 6 },
    tokens: { limit: 30_000_000, remaining: rate.limited ? 0 : 29_999_000, resetMs: 2 },
  };
  const headers: Record<string, string> = {};
  for (const name of ['requests', 'tokens'] as const) {
    const scripted = entry.rateLimit?.[name];
    const state = scripted ?? fixed[name];
    const resetSeconds = scripted || !rate.limited ? state.resetMs / 1000 : rate.resetSeconds;
    headers[`x-ratelimit-limit-${name}`] = String(state.limit);
    headers[`x-ratelimit-remaining-${name}`] = String(state.remaining);
    headers[`x-ratelimit-reset-${name}`] = formatResetDuration(resetSeconds);
  }
  return headers;
}

function openAIHeaders(entry: RecordedRequest, rate: RateLimitState): Record<string, string> {
  return {
    'x-request-id': entry.id,
    'openai-version': '2020-10-01',
    'openai-organization': 'org-mock',
    'openai-processing-ms': String(Date.now() - entry.timestamp),
    ...openAIRateLimitHeaders(entry, rate),
  };
}

const OPENAI_SHAPE: ChatShape = {
  usage: openAIUsage,
  extras: { service_tier: 'default', system_fingerprint: null },
  messageExtras: { refusal: null },
};

// The SDK throws an APIError for a `data: {"error": …}` event inside a 200 stream.
const IN_STREAM_ERROR = {
  message: 'The server had an error while processing your request. Sorry about that!',
  type: 'server_error',
  param: null,
  code: null,
};

/** The api.openai.com wire format: Bearer auth, `x-request-id`, `x-ratelimit-*` headers. */
export const openAIDialect: ProviderDialect<OpenAIChatRequest> = {
  provider: 'openai',
  schema: OpenAIChatRequest,
  ...bearerAuthentication,
  describe: describeOpenAIChatRequest,
  renderError: renderOpenAIError,
  headers: openAIHeaders,
  completion: (context) => chatCompletion(OPENAI_SHAPE, context),
  frames: (context) => chatCompletionFrames(OPENAI_SHAPE, context, IN_STREAM_ERROR),
  streamErrorFallback: { kind: 'server_error' },
  newResponseId: () => `chatcmpl-${randomBase62(29)}`,
};
