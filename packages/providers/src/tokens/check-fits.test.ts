import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../provider.js';
import { ProviderError } from '../provider-error.js';
import type { ModelInfo } from '../registry/model-entry.js';
import { checkFits } from './check-fits.js';
import { countPromptTokens } from './count-prompt-tokens.js';

const model = (provider: ModelInfo['provider'], contextWindow: number): ModelInfo => ({
  id: `${provider}-test`,
  provider,
  contextWindow,
  maxOutputTokens: 10_000,
  inputUsdPerMillionTokens: 1,
  outputUsdPerMillionTokens: 1,
});

const request: GenerateRequest = {
  model: 'x',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Summarise the plot of Hamlet in one sentence.' },
  ],
  maxOutputTokens: 100,
};

function refusal(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    if (ProviderError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('checkFits accepted the request');
}

describe.each(['openai', 'anthropic', 'deepseek'] as const)('checkFits for %s', (provider) => {
  const promptTokens = countPromptTokens(provider, request.messages);

  it('should fit exactly at the window', () => {
    const window = promptTokens + request.maxOutputTokens;
    expect(checkFits(request, model(provider, window))).toEqual({
      promptTokens,
      maxOutputTokens: 100,
      contextWindow: window,
    });
  });

  it('should refuse one token over the window, with the counts, before any call', () => {
    const window = promptTokens + request.maxOutputTokens - 1;
    const error = refusal(() => checkFits(request, model(provider, window)));
    expect(error).toMatchObject({ kind: 'token_limit_exceeded', retryable: false, provider });
    expect(error.tokenBudget).toEqual({
      promptTokens,
      maxOutputTokens: 100,
      contextWindow: window,
    });
    expect(error.toJSON().tokenBudget).toEqual(error.tokenBudget);
  });
});

describe('checkFits', () => {
  it('should refuse an output budget above the model limit', () => {
    const error = refusal(() =>
      checkFits({ ...request, maxOutputTokens: 20_000 }, model('openai', 1_000_000)),
    );
    expect(error.kind).toBe('invalid_request');
  });
});
