import { describe, expect, it } from 'vitest';
import { countO200kTokens, countOpenAIPromptTokens } from './count-openai-tokens.js';
import {
  estimateAnthropicPromptTokens,
  estimateAnthropicTextTokens,
} from './estimate-anthropic-tokens.js';

describe('countOpenAIPromptTokens', () => {
  it('should count o200k_base tokens plus 4 per message and 3 to prime the reply', () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello world' },
    ] as const;
    const text = countO200kTokens('You are terse.') + countO200kTokens('Hello world');
    expect(countOpenAIPromptTokens(messages)).toBe(text + 2 * 4 + 3);
    expect(countO200kTokens('Hello world')).toBe(2);
  });

  it('should count special-token text as text instead of throwing', () => {
    expect(countO200kTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('should count an empty conversation as the reply priming only', () => {
    expect(countOpenAIPromptTokens([])).toBe(3);
  });
});

describe('estimateAnthropicTextTokens', () => {
  it('should count one token per 3 ASCII characters, rounded up', () => {
    expect(estimateAnthropicTextTokens('')).toBe(0);
    expect(estimateAnthropicTextTokens('abc')).toBe(1);
    expect(estimateAnthropicTextTokens('abcd')).toBe(2);
  });

  it('should count every non-ASCII character as a token', () => {
    expect(estimateAnthropicTextTokens('日本語')).toBe(3);
    expect(estimateAnthropicTextTokens('née')).toBe(2);
  });

  it('should over-count ordinary English compared with o200k_base', () => {
    const text =
      'The quick brown fox jumps over the lazy dog while the queue drains steadily. '.repeat(20);
    expect(estimateAnthropicTextTokens(text)).toBeGreaterThan(countO200kTokens(text));
  });

  it('should add 5 per message and 3 for the reply', () => {
    expect(estimateAnthropicPromptTokens([{ role: 'user', content: 'abc' }])).toBe(1 + 5 + 3);
  });
});
