import type { ProviderConfig, ProviderName } from '@aiq/config';
import { createAnthropicProvider } from './anthropic/anthropic-provider.js';
import { createDeepSeekProvider } from './deepseek/deepseek-provider.js';
import { createOpenAIProvider } from './openai/openai-provider.js';
import type { Provider } from './provider.js';

/** One provider per name, ready for the workers. */
export type Providers = Readonly<Record<ProviderName, Provider>>;

/**
 * Builds the three adapters from `config.providers`: keys and base URLs come from config, never
 * from the SDKs' own environment lookups.
 */
export function createProviders(config: Readonly<Record<ProviderName, ProviderConfig>>): Providers {
  return {
    openai: createOpenAIProvider({ apiKey: config.openai.apiKey, baseURL: config.openai.baseUrl }),
    anthropic: createAnthropicProvider({
      apiKey: config.anthropic.apiKey,
      baseURL: config.anthropic.baseUrl,
    }),
    deepseek: createDeepSeekProvider({
      apiKey: config.deepseek.apiKey,
      baseURL: config.deepseek.baseUrl,
    }),
  };
}
