import { createOpenAIProvider } from '../openai/openai-provider.js';
import type { Provider } from '../provider.js';
import { DEEPSEEK_STATUS_KINDS } from './deepseek-status-kinds.js';
import { mapDeepSeekFinishReason } from './map-deepseek-finish-reason.js';

/** Options for {@link createDeepSeekProvider}. */
export interface DeepSeekProviderOptions {
  readonly apiKey: string | undefined;
  /** `https://api.deepseek.com` (or `/v1`, which DeepSeek also serves), from `ProviderConfig.baseUrl`. */
  readonly baseURL: string;
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * DeepSeek (`deepseek-chat`, `deepseek-reasoner`) through the `openai` SDK: DeepSeek's API is
 * OpenAI-compatible, so this is the OpenAI adapter with DeepSeek's base URL, finish reasons,
 * status table and `max_tokens` field.
 */
export function createDeepSeekProvider({
  apiKey,
  baseURL,
  fetch,
}: DeepSeekProviderOptions): Provider {
  return createOpenAIProvider({
    apiKey,
    baseURL,
    name: 'deepseek',
    mapFinishReason: mapDeepSeekFinishReason,
    // Interrupted for lack of inference capacity: the same remedy as a 503, retry later.
    finishErrorKind: (raw) =>
      raw === 'insufficient_system_resource' ? 'overloaded' : 'server_error',
    statusKinds: DEEPSEEK_STATUS_KINDS,
    maxTokensField: 'max_tokens',
    ...(fetch === undefined ? {} : { fetch }),
  });
}
