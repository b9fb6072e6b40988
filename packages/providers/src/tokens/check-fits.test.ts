import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../provider.js';
import { ProviderError } from '../provider-error.js';
import type { ModelInfo } from '../registry/model-entry.js';
import { assertFits, checkFits } from './check-fits.js';
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

describe('checkFits before tokenizing', () => {
  const oneMebibyte = 'The quick brown fox jumps over the lazy dog. '
    .repeat(23_302)
    .slice(0, 1_048_576);

  it.each(['openai', 'anthropic', 'deepseek'] as const)(
    'should refuse a 1 MiB prompt for a %s model by its character count, without tokenizing it',
    (provider) => {
      const counted: string[] = [];
      const countTokens: typeof countPromptTokens = (name, messages) => {
        counted.push(name);
        return countPromptTokens(name, messages);
      };
      const error = refusal(() =>
        checkFits(
          { ...request, messages: [{ role: 'user', content: oneMebibyte }] },
          model(provider, 64_000),
          { countTokens },
        ),
      );
      expect(error.kind).toBe('token_limit_exceeded');
      expect(error.message).toContain('1048576 characters');
      expect(counted).toEqual([]);
    },
  );

  it('should still tokenize a prompt under the character bound', () => {
    const counted: string[] = [];
    const countTokens: typeof countPromptTokens = (name, messages) => {
      counted.push(name);
      return countPromptTokens(name, messages);
    };
    checkFits(request, model('openai', 64_000), { countTokens });
    expect(counted).toEqual(['openai']);
  });
});

describe.each(['openai', 'anthropic', 'deepseek'] as const)('assertFits for %s', (provider) => {
  /** A tokenizer that counts its calls and answers as the real one. */
  function counting() {
    let calls = 0;
    const countTokens: typeof countPromptTokens = (name, messages) => {
      calls += 1;
      return countPromptTokens(name, messages);
    };
    return { countTokens, calls: () => calls };
  }

  it('should accept a prompt whose bytes fit without tokenizing it', () => {
    const { countTokens, calls } = counting();
    assertFits(request, model(provider, 64_000), { countTokens });
    expect(calls()).toBe(0);
  });

  it('should tokenize only near the window, and agree with checkFits there', () => {
    const promptTokens = countPromptTokens(provider, request.messages);
    for (const window of [
      promptTokens + request.maxOutputTokens,
      promptTokens + request.maxOutputTokens - 1,
    ]) {
      const { countTokens, calls } = counting();
      const verdict = (run: () => unknown) => {
        try {
          run();
          return 'fits';
        } catch (error) {
          return ProviderError.isInstance(error) ? error.kind : 'other';
        }
      };
      expect(verdict(() => assertFits(request, model(provider, window), { countTokens }))).toBe(
        verdict(() => checkFits(request, model(provider, window))),
      );
      expect(calls()).toBe(1);
    }
  });

  it('should never accept what checkFits refuses, whatever the text', () => {
    // Multi-byte text is where a byte bound could be too low: CJK, emoji, combining marks.
    const texts = ['日本語のテキスト', '😀'.repeat(40), 'e\u0301'.repeat(50), ' '.repeat(300)];
    for (const content of texts) {
      const messages = [{ role: 'user' as const, content }];
      const tokens = countPromptTokens(provider, messages);
      const tight = model(provider, tokens + 10 - 1);
      const probe = { ...request, messages, maxOutputTokens: 10 };
      expect(() => checkFits(probe, tight)).toThrow();
      expect(() => assertFits(probe, tight)).toThrow();
    }
  });
});
