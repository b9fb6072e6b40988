import { describe, expect, it } from 'vitest';
import { countPromptTokens, mockTokens, promptSeed } from './mock-text.js';
import { planGeneration } from './plan-generation.js';

const seed = promptSeed([{ role: 'user', text: 'Tell me about queues' }]);

describe('planGeneration', () => {
  it('should give the same 20–40 tokens for the same prompt', () => {
    const first = planGeneration({ seed, promptTokens: 9, maxTokens: undefined, fault: undefined });
    const second = planGeneration({
      seed,
      promptTokens: 9,
      maxTokens: undefined,
      fault: undefined,
    });
    expect(first.tokens).toEqual(second.tokens);
    expect(first.tokens.length).toBeGreaterThanOrEqual(20);
    expect(first.tokens.length).toBeLessThanOrEqual(40);
    expect(first.finishReason).toBe('stop');
  });

  it('should give a different answer for a different prompt', () => {
    const other = promptSeed([{ role: 'user', text: 'Tell me about stacks' }]);
    expect(mockTokens(other, 20)).not.toEqual(mockTokens(seed, 20));
  });

  it('should cut at max_tokens with finish reason length, keeping a prefix of the full answer', () => {
    const plan = planGeneration({ seed, promptTokens: 9, maxTokens: 7, fault: { tokens: 500 } });
    expect(plan.tokens).toEqual(mockTokens(seed, 500).slice(0, 7));
    expect(plan.finishReason).toBe('length');
  });

  it('should produce exactly the directive token count', () => {
    expect(
      planGeneration({ seed, promptTokens: 9, maxTokens: 1000, fault: { tokens: 500 } }).tokens,
    ).toHaveLength(500);
  });

  it('should send the scripted text verbatim as one token, U+0000 and a lone surrogate included', () => {
    const text = 'Out\u0000put \ud800 end';
    const plan = planGeneration({ seed, promptTokens: 9, maxTokens: undefined, fault: { text } });
    expect(plan.tokens).toEqual([text]);
    expect(plan.finishReason).toBe('stop');
  });

  it('should end early with content_filter after the given tokens', () => {
    const plan = planGeneration({
      seed,
      promptTokens: 9,
      maxTokens: undefined,
      fault: { fault: 'content_filter', after: 2 },
    });
    expect(plan.tokens).toHaveLength(2);
    expect(plan.finishReason).toBe('content_filter');
  });

  it('should schedule a stream fault no later than the last token', () => {
    const plan = planGeneration({
      seed,
      promptTokens: 9,
      maxTokens: undefined,
      fault: { fault: 'disconnect', after: 99, tokens: 4 },
    });
    expect(plan.streamFault).toEqual({ kind: 'disconnect', after: 4 });
  });
});

describe('countPromptTokens', () => {
  it('should count ceil(chars / 4) plus 4 per message', () => {
    expect(
      countPromptTokens([
        { role: 'system', text: 'Be brief' },
        { role: 'user', text: 'Hello' },
      ]),
    ).toBe(2 + 4 + 2 + 4);
  });
});
