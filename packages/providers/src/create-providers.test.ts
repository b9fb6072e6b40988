import { loadConfig } from '@aiq/config';
import { startMockLlm } from '@aiq/mock-llm';
import { describe, expect, it } from 'vitest';
import { createProviders } from './create-providers.js';
import { generate } from './generate.js';
import { loadModelRegistry } from './registry/load-model-registry.js';
import { callOptions } from './testing/index.js';

describe('createProviders', () => {
  it('should build all three from config and reach each base URL', async () => {
    const mock = await startMockLlm();
    try {
      const config = loadConfig({
        OPENAI_API_KEY: 'sk-config-openai',
        OPENAI_BASE_URL: mock.baseUrls.openai,
        ANTHROPIC_BASE_URL: mock.baseUrls.anthropic,
        DEEPSEEK_API_KEY: 'sk-config-deepseek',
        DEEPSEEK_BASE_URL: mock.baseUrls.deepseek,
      });
      const providers = createProviders(config.providers);
      const models = {
        openai: 'gpt-5',
        anthropic: 'claude-haiku-4-5',
        deepseek: 'deepseek-chat',
      } as const;
      for (const name of ['openai', 'anthropic', 'deepseek'] as const) {
        const result = await generate(
          providers[name],
          { model: models[name], messages: [{ role: 'user', content: 'Hi' }], maxOutputTokens: 64 },
          callOptions(),
        );
        expect(result.text.length).toBeGreaterThan(0);
        expect(providers[name].name).toBe(name);
      }
      expect(mock.requests().map((request) => request.provider)).toEqual([
        'openai',
        'anthropic',
        'deepseek',
      ]);
    } finally {
      await mock.close();
    }
  });

  it('should reject generate() with the ProviderError of the error event', async () => {
    const mock = await startMockLlm();
    try {
      mock.addScenario({ provider: 'openai', fault: 'rate_limit retry_after=1', count: 1 });
      const { openai } = createProviders(
        loadConfig({ OPENAI_API_KEY: 'sk-config-openai', OPENAI_BASE_URL: mock.baseUrls.openai })
          .providers,
      );
      const model = loadModelRegistry().resolve('gpt-5');
      await expect(
        generate(
          openai,
          { model: model.id, messages: [{ role: 'user', content: 'Hi' }], maxOutputTokens: 64 },
          callOptions(),
        ),
      ).rejects.toMatchObject({ name: 'ProviderError', kind: 'rate_limited', retryAfterMs: 1000 });
    } finally {
      await mock.close();
    }
  });
});
