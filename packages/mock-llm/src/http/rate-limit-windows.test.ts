import { setTimeout as sleep } from 'node:timers/promises';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect } from 'vitest';
import {
  anthropicClient,
  mockLlmTest as it,
  openAIClient,
  rejectionOf,
} from '../testing/mock-llm-fixture.js';

const DURATION = /^(?:\d+m)?\d+(?:\.\d+)?(?:ms|s)$/;
const RFC_3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('scripted rate limits', () => {
  it('should report an OpenAI limit in its x-ratelimit headers, refuse the request over it with a 429, and reset with the window', async ({
    mockLlm,
  }) => {
    mockLlm.setRateLimit('openai', { requests: 10, windowMs: 600, remainingRequests: 2 });
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const ask = () =>
      openai.chat.completions
        .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
    const first = await ask();
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('10');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.response.headers.get('x-ratelimit-reset-requests')).toMatch(DURATION);
    const second = await ask();
    expect(second.response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const refused = await rejectionOf(ask());
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (refused as InstanceType<typeof OpenAI.APIError>).headers;
    expect(headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(headers?.get('retry-after')).toBe('1');
    await sleep(600);
    const after = await ask();
    expect(after.response.headers.get('x-ratelimit-remaining-requests')).toBe('9');
    expect(mockLlm.requests({ provider: 'openai' }).map((request) => request.status)).toEqual([
      200, 200, 429, 200,
    ]);
  });

  it('should count prompt + max_tokens against an Anthropic token limit and report it with RFC 3339 resets', async ({
    mockLlm,
  }) => {
    mockLlm.setRateLimit('anthropic', { tokens: 10_000, windowMs: 60_000, remainingTokens: 150 });
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const ask = (maxTokens: number) =>
      anthropic.messages
        .create({
          model: 'claude-haiku-4-5',
          max_tokens: maxTokens,
          messages: [{ role: 'user', content: 'hi [[mock tokens=3]]' }],
        })
        .withResponse();
    const { response } = await ask(100);
    const remaining = Number(response.headers.get('anthropic-ratelimit-tokens-remaining'));
    expect(remaining).toBeLessThan(50);
    expect(response.headers.get('anthropic-ratelimit-tokens-limit')).toBe('10000');
    expect(response.headers.get('anthropic-ratelimit-tokens-reset')).toMatch(RFC_3339);
    expect(response.headers.get('anthropic-ratelimit-requests-reset')).toMatch(RFC_3339);
    const refused = await rejectionOf(ask(100));
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect(
      (refused as InstanceType<typeof Anthropic.APIError>).headers?.get(
        'anthropic-ratelimit-tokens-remaining',
      ),
    ).toBe('0');
  });

  it('should log the tokens it charged for each answer: prompt tokens and the completion tokens it produced', async ({
    mockLlm,
  }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const completion = await openai.chat.completions.create({
      model: 'gpt-5',
      max_completion_tokens: 50,
      messages: [{ role: 'user', content: 'Count me [[mock tokens=7]]' }],
    });
    await rejectionOf(
      openai.chat.completions.create({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'fail [[mock 500]]' }],
      }),
    );
    const [answered, failed] = mockLlm.requests({ provider: 'openai' });
    expect(answered?.chargedTokens).toEqual({
      prompt: completion.usage?.prompt_tokens,
      completion: 7,
    });
    expect(failed?.chargedTokens).toBeNull();
    expect(answered?.rateLimit).toBeNull();
  });
});
