import type { MockProvider } from '../fault-spec.js';

/** A model the mock serves, with what the real provider documents about it. */
export type MockModel = {
  id: string;
  /** Context window in tokens, used for the `context_length` error. */
  contextWindow: number;
  /** Human name, as Anthropic's model list shows it. */
  displayName: string;
  /** Release date (ISO 8601), shown as `created`/`created_at` in model lists. */
  releasedAt: string;
};

/** The models each provider accepts; any other id gets the provider's "model not found". */
export const MOCK_MODELS: Readonly<Record<MockProvider, readonly MockModel[]>> = {
  openai: [
    // The GPT-5.6 family (openai SDK 6.49 `ChatModel`); gpt-5.6-sol heads aiq's default chain.
    {
      id: 'gpt-5.6-sol',
      contextWindow: 1_050_000,
      displayName: 'GPT-5.6 Sol',
      releasedAt: '2026-09-01T00:00:00Z',
    },
    {
      id: 'gpt-5.6-terra',
      contextWindow: 1_050_000,
      displayName: 'GPT-5.6 Terra',
      releasedAt: '2026-09-01T00:00:00Z',
    },
    {
      id: 'gpt-5.6-luna',
      contextWindow: 400_000,
      displayName: 'GPT-5.6 Luna',
      releasedAt: '2026-09-01T00:00:00Z',
    },
    {
      id: 'gpt-5',
      contextWindow: 400_000,
      displayName: 'GPT-5',
      releasedAt: '2025-08-07T00:00:00Z',
    },
    {
      id: 'gpt-5-mini',
      contextWindow: 400_000,
      displayName: 'GPT-5 mini',
      releasedAt: '2025-08-07T00:00:00Z',
    },
    {
      id: 'gpt-5-nano',
      contextWindow: 400_000,
      displayName: 'GPT-5 nano',
      releasedAt: '2025-08-07T00:00:00Z',
    },
    {
      id: 'gpt-4.1',
      contextWindow: 1_047_576,
      displayName: 'GPT-4.1',
      releasedAt: '2025-04-14T00:00:00Z',
    },
    {
      id: 'gpt-4o',
      contextWindow: 128_000,
      displayName: 'GPT-4o',
      releasedAt: '2024-05-13T00:00:00Z',
    },
    {
      id: 'gpt-4o-mini',
      contextWindow: 128_000,
      displayName: 'GPT-4o mini',
      releasedAt: '2024-07-18T00:00:00Z',
    },
  ],
  anthropic: [
    // Claude Sonnet 5.5 replaces Sonnet 4.5 (end of life 2026-11-30, per the SDK's table).
    {
      id: 'claude-sonnet-5-5',
      contextWindow: 1_000_000,
      displayName: 'Claude Sonnet 5.5',
      releasedAt: '2026-10-01T00:00:00Z',
    },
    {
      id: 'claude-sonnet-4-5',
      contextWindow: 200_000,
      displayName: 'Claude Sonnet 4.5',
      releasedAt: '2025-09-29T00:00:00Z',
    },
    {
      id: 'claude-sonnet-4-5-20250929',
      contextWindow: 200_000,
      displayName: 'Claude Sonnet 4.5',
      releasedAt: '2025-09-29T00:00:00Z',
    },
    {
      id: 'claude-opus-4-1',
      contextWindow: 200_000,
      displayName: 'Claude Opus 4.1',
      releasedAt: '2025-08-05T00:00:00Z',
    },
    {
      id: 'claude-opus-4-1-20250805',
      contextWindow: 200_000,
      displayName: 'Claude Opus 4.1',
      releasedAt: '2025-08-05T00:00:00Z',
    },
    {
      id: 'claude-haiku-4-5',
      contextWindow: 200_000,
      displayName: 'Claude Haiku 4.5',
      releasedAt: '2025-10-15T00:00:00Z',
    },
    {
      id: 'claude-haiku-4-5-20251001',
      contextWindow: 200_000,
      displayName: 'Claude Haiku 4.5',
      releasedAt: '2025-10-15T00:00:00Z',
    },
  ],
  deepseek: [
    {
      id: 'deepseek-chat',
      contextWindow: 128_000,
      displayName: 'DeepSeek Chat',
      releasedAt: '2024-12-26T00:00:00Z',
    },
    {
      id: 'deepseek-reasoner',
      contextWindow: 128_000,
      displayName: 'DeepSeek Reasoner',
      releasedAt: '2025-01-20T00:00:00Z',
    },
  ],
};

/** Looks a model up in a provider's catalog. */
export function findMockModel(provider: MockProvider, id: string): MockModel | undefined {
  return MOCK_MODELS[provider].find((model) => model.id === id);
}

/** Context window for an accepted model; models let in by `model=any` get 128k. */
export function contextWindowOf(provider: MockProvider, id: string): number {
  return findMockModel(provider, id)?.contextWindow ?? 128_000;
}
