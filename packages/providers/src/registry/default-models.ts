import type { ModelEntry } from './model-entry.js';

/**
 * The built-in catalog. Context windows for the runbook's three models are the runbook's budgets
 * (GPT-5 128,000; Claude Sonnet 4.5 200,000; DeepSeek v3 64,000), deliberately at or below what
 * the providers document (GPT-5 documents 400,000), so a prompt we accept is one the runbook
 * accepts. Prices are list prices in USD per million tokens from the providers' model pages.
 */
export const DEFAULT_MODELS: Readonly<Record<string, ModelEntry>> = {
  // OpenAI deprecations page: gpt-5 deprecated 2026-06-11, shut down 2026-12-11.
  'gpt-5': {
    provider: 'openai',
    contextWindow: 128_000,
    maxOutputTokens: 128_000,
    inputUsdPerMillionTokens: 1.25,
    outputUsdPerMillionTokens: 10,
    deprecatedAt: '2026-06-11',
    endOfLifeAt: '2026-12-11',
    replacement: 'gpt-5.6-sol',
  },
  // The flagship of the GPT-5.6 family (developers.openai.com/api/docs/models/gpt-5.6-sol).
  'gpt-5.6-sol': {
    provider: 'openai',
    contextWindow: 1_050_000,
    maxOutputTokens: 128_000,
    inputUsdPerMillionTokens: 4,
    outputUsdPerMillionTokens: 20,
  },
  // @anthropic-ai/sdk DEPRECATED_MODELS: end of life November 30th, 2026.
  'claude-sonnet-4-5': {
    provider: 'anthropic',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    inputUsdPerMillionTokens: 3,
    outputUsdPerMillionTokens: 15,
    endOfLifeAt: '2026-11-30',
    replacement: 'claude-sonnet-5-5',
  },
  // The current Sonnet (platform.claude.com/docs/en/models/sonnet-5-5/overview).
  'claude-sonnet-5-5': {
    provider: 'anthropic',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    inputUsdPerMillionTokens: 2,
    outputUsdPerMillionTokens: 10,
  },
  'claude-haiku-4-5': {
    provider: 'anthropic',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    inputUsdPerMillionTokens: 1,
    outputUsdPerMillionTokens: 5,
  },
  // DeepSeek v3 (api-docs.deepseek.com pricing): 8K output, cache-miss input price.
  'deepseek-chat': {
    provider: 'deepseek',
    contextWindow: 64_000,
    maxOutputTokens: 8_192,
    inputUsdPerMillionTokens: 0.27,
    outputUsdPerMillionTokens: 1.1,
  },
  'deepseek-reasoner': {
    provider: 'deepseek',
    contextWindow: 64_000,
    maxOutputTokens: 8_192,
    inputUsdPerMillionTokens: 0.55,
    outputUsdPerMillionTokens: 2.19,
  },
};

/** Names people use → API ids. The runbook writes `claude-sonnet-4.5`; the API wants dashes. */
export const DEFAULT_ALIASES: Readonly<Record<string, string>> = {
  'claude-sonnet-4.5': 'claude-sonnet-4-5',
  'claude-sonnet-4-5-20250929': 'claude-sonnet-4-5',
  'claude-sonnet-5.5': 'claude-sonnet-5-5',
  'claude-haiku-4.5': 'claude-haiku-4-5',
  'claude-haiku-4-5-20251001': 'claude-haiku-4-5',
  'gpt-5-2025-08-07': 'gpt-5',
  'gpt-5.6': 'gpt-5.6-sol',
  'deepseek-v3': 'deepseek-chat',
  'deepseek-r1': 'deepseek-reasoner',
};

/**
 * The runbook's order (GPT-5 → Claude Sonnet → DeepSeek) with current models: gpt-5 retires on
 * 2026-12-11 and Claude Sonnet 4.5 on 2026-11-30, so the chain uses their replacements.
 */
export const DEFAULT_FALLBACK_CHAIN: readonly string[] = [
  'gpt-5.6-sol',
  'claude-sonnet-5-5',
  'deepseek-chat',
];

/**
 * Models whose fallback order differs from the default chain (none differ by default: the
 * runbook names one order). A models file adds its own with `fallbackChains`.
 */
export const DEFAULT_FALLBACK_CHAINS: Readonly<Record<string, readonly string[]>> = {};
