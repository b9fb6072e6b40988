import OpenAI from 'openai';
import { describe, expect } from 'vitest';
import { mockTokens, promptSeed } from '../generation/mock-text.js';
import { mockLlmTest as it, openAIClient } from '../testing/mock-llm-fixture.js';

const prompt = 'Explain retries in one paragraph';
const messages = [{ role: 'user' as const, content: prompt }];
const expectedText = (count: number) =>
  mockTokens(promptSeed([{ role: 'user', text: prompt }]), count).join('');

describe('OpenAI chat completions', () => {
  it('should answer a plain completion deterministically with usage', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const first = await openai.chat.completions.create({ model: 'gpt-5', messages });
    const second = await openai.chat.completions.create({ model: 'gpt-5', messages });

    const usage = first.usage;
    expect(first.object).toBe('chat.completion');
    expect(first.id).toMatch(/^chatcmpl-/);
    expect(first.choices[0]?.finish_reason).toBe('stop');
    expect(first.choices[0]?.message.content).toBe(second.choices[0]?.message.content);
    expect(first.choices[0]?.message.content).toBe(expectedText(usage?.completion_tokens ?? 0));
    expect(usage?.completion_tokens).toBeGreaterThanOrEqual(20);
    expect(usage?.prompt_tokens).toBe(Math.ceil(prompt.length / 4) + 4);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
  });

  it('should stop at max_completion_tokens with finish_reason length', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const completion = await openai.chat.completions.create({
      model: 'gpt-5-mini',
      messages,
      max_completion_tokens: 5,
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.choices[0]?.message.content).toBe(expectedText(5));
    expect(completion.usage?.completion_tokens).toBe(5);
  });

  it('should stream every token in order, then the usage chunk and [DONE]', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `${prompt} [[mock tokens=500]]` }],
      max_tokens: 1000,
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(mockTokens(promptSeed([{ role: 'user', text: prompt }]), 500));
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(500);
  });

  it('should wait ttft before the first token and pace later tokens', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const started = Date.now();
    const stream = await openai.chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'slow please [[mock ttft=150 delay=30 tokens=4]]' }],
      stream: true,
    });
    const arrivals: number[] = [];
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) arrivals.push(Date.now() - started);
    }
    expect(arrivals).toHaveLength(4);
    expect(arrivals[0]).toBeGreaterThanOrEqual(140);
    expect((arrivals[3] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(80);
  });

  it('should end with finish_reason content_filter after the given tokens', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const completion = await openai.chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'something bad [[mock content_filter after=2]]' }],
    });
    expect(completion.choices[0]?.finish_reason).toBe('content_filter');
    expect(completion.usage?.completion_tokens).toBe(2);
  });

  it('should list and retrieve models, and 404 an unknown one', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const ids = (await openai.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-5', 'gpt-5-mini', 'gpt-4o-mini']));
    expect((await openai.models.retrieve('gpt-5')).owned_by).toBe('system');
    await expect(openai.models.retrieve('gpt-9')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('should accept an unknown model with model=any', async ({ mockLlm }) => {
    const openai = openAIClient(mockLlm.baseUrls.openai);
    const completion = await openai.chat.completions.create({
      model: 'my-fine-tune',
      messages: [{ role: 'user', content: 'hi [[mock model=any]]' }],
    });
    expect(completion.model).toBe('my-fine-tune');
  });
});
