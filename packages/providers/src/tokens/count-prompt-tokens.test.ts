import { describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import {
  countO200kTokens,
  countOpenAIPromptTokens,
  tokenizerPieces,
} from './count-openai-tokens.js';
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

  it('should give the tokenizer no run longer than 256 characters, and lose no character', () => {
    const text = `Intro ${'a'.repeat(1_000)} middle ${' '.repeat(600)}end ${'x'.repeat(256)}`;
    const pieces = [...tokenizerPieces(text)];
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(piece).not.toMatch(/\S{257}|\s{257}/);
    expect(pieces.at(-1)).toBe(`end ${'x'.repeat(256)}`); // a run of exactly 256 is not cut
    expect([...tokenizerPieces('')]).toEqual(['']);
  });

  it('should count ordinary text exactly, and a long run as an upper bound within one token per cut', () => {
    const prose = 'The queue keeps every task. '.repeat(200);
    expect(countO200kTokens(prose)).toBe(countTokens(prose));
    const run = 'a'.repeat(2_048); // 8 cuts
    const exact = countTokens(run);
    expect(countO200kTokens(run)).toBeGreaterThanOrEqual(exact);
    expect(countO200kTokens(run)).toBeLessThanOrEqual(exact + 8);
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
