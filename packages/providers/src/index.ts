export type {
  CallOptions,
  ChatMessage,
  FinishReason,
  GenerateRequest,
  Provider,
  ProviderEvent,
  ProviderName,
} from './provider.js';
export {
  ProviderError,
  ProviderErrorData,
  ProviderErrorKind,
  TokenBudget,
  isRetryableKind,
  type ProviderErrorInit,
} from './provider-error.js';
export {
  parseRetryAfterMs,
  parseDurationMs,
  type HeadersLike,
  type ParseRetryAfterOptions,
} from './parse-retry-after.js';
export {
  parseRateLimitHeaders,
  type RateLimitHeaders,
  type RateLimitWindow,
} from './parse-rate-limit-headers.js';
export { createProviders, type Providers } from './create-providers.js';
export { generate, type GenerateResult } from './generate.js';
export { createOpenAIProvider, type OpenAIProviderOptions } from './openai/openai-provider.js';
export {
  createAnthropicProvider,
  type AnthropicProviderOptions,
} from './anthropic/anthropic-provider.js';
export {
  createDeepSeekProvider,
  type DeepSeekProviderOptions,
} from './deepseek/deepseek-provider.js';
export {
  createModelRegistry,
  type ModelRegistry,
  type ModelRegistryInput,
  type ModelSelection,
  type RetiredModelPolicy,
} from './registry/model-registry.js';
export {
  loadModelRegistry,
  modelsAsOfNotice,
  type ModelSettings,
} from './registry/load-model-registry.js';
export { fixedClock, systemClock, type Clock } from './registry/clock.js';
export { type ModelLifecycle } from './registry/model-lifecycle.js';
export { ModelEntry, ModelRegistryFile, type ModelInfo } from './registry/model-entry.js';
export {
  DEFAULT_ALIASES,
  DEFAULT_FALLBACK_CHAIN,
  DEFAULT_MODELS,
} from './registry/default-models.js';
export {
  listEndOfLifeWarnings,
  type EndOfLifeWarning,
  type EndOfLifeWarningOptions,
} from './registry/end-of-life-warnings.js';
export { countPromptTokens } from './tokens/count-prompt-tokens.js';
export { assertFits, checkFits } from './tokens/check-fits.js';
export { outputBudget } from './tokens/output-budget.js';
export { truncateToFit, type TruncationResult } from './tokens/truncate-to-fit.js';
export { assertNever } from './assert-never.js';
