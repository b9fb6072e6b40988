import { describe, expect, it } from 'vitest';
import type { ChatMessage, GenerateRequest } from '../provider.js';
import { ProviderError } from '../provider-error.js';
import type { ModelInfo } from '../registry/model-entry.js';
import { countPromptTokens } from './count-prompt-tokens.js';
import { truncateToFit } from './truncate-to-fit.js';

const turn = (index: number): ChatMessage => ({
  role: index % 2 === 0 ? 'user' : 'assistant',
  content: `Turn ${index}: ${'words '.repeat(30)}`,
});

const history: GenerateRequest = {
  model: 'x',
  messages: [
    { role: 'system', content: 'Stay in character.' },
    ...Array.from({ length: 10 }, (_, index) => turn(index)),
  ],
  maxOutputTokens: 50,
};

const modelWith = (contextWindow: number): ModelInfo => ({
  id: 'test',
  provider: 'openai',
  contextWindow,
  maxOutputTokens: 1000,
  inputUsdPerMillionTokens: 0,
  outputUsdPerMillionTokens: 0,
});

describe('truncateToFit', () => {
  it('should keep the system message and the newest turns that fit, in order', () => {
    const keptTail = history.messages.slice(-3);
    const window =
      countPromptTokens('openai', [history.messages[0] as ChatMessage, ...keptTail]) + 50;
    const { request, droppedMessages, budget } = truncateToFit(history, modelWith(window));
    expect(request.messages).toEqual([history.messages[0], ...keptTail]);
    expect(droppedMessages).toBe(7);
    expect(budget.promptTokens + budget.maxOutputTokens).toBeLessThanOrEqual(window);
  });

  it('should keep everything when it already fits', () => {
    const { request, droppedMessages } = truncateToFit(history, modelWith(1_000_000));
    expect(request.messages).toEqual(history.messages);
    expect(droppedMessages).toBe(0);
  });

  it('should refuse when not even the newest message fits', () => {
    const window = countPromptTokens('openai', history.messages.slice(0, 1)) + 50 + 5;
    expect(() => truncateToFit(history, modelWith(window))).toThrow(ProviderError);
    try {
      truncateToFit(history, modelWith(window));
    } catch (error) {
      expect(error).toMatchObject({ kind: 'token_limit_exceeded' });
    }
  });
});
