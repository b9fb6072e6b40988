import Anthropic from '@anthropic-ai/sdk';
import { describe, expect } from 'vitest';
import { mockTokens, promptSeed } from '../generation/mock-text.js';
import {
  anthropicClient,
  mockLlmTest as it,
  openAIClient,
  type AnthropicApiError,
} from '../testing/mock-llm-fixture.js';

const prompt = 'Explain retries in one paragraph';
const messages = [{ role: 'user' as const, content: prompt }];

describe('Anthropic messages', () => {
  it('should answer a plain message with the same text OpenAI gives for the same prompt', async ({
    mockLlm,
  }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      messages,
    });
    const completion = await openAIClient(mockLlm.baseUrls.openai).chat.completions.create({
      model: 'gpt-5',
      messages,
    });

    const block = message.content[0];
    expect(message.id).toMatch(/^msg_01/);
    expect(message.stop_reason).toBe('end_turn');
    expect(block?.type === 'text' ? block.text : undefined).toBe(
      completion.choices[0]?.message.content,
    );
    expect(message.usage.input_tokens).toBe(completion.usage?.prompt_tokens);
    expect(message.usage.output_tokens).toBe(completion.usage?.completion_tokens);
  });

  it('should stop at max_tokens with stop_reason max_tokens', async ({ mockLlm }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 3,
      messages,
    });
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(3);
  });

  it('should stream the documented event sequence with every token in order', async ({
    mockLlm,
  }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const stream = await anthropic.messages.create({
      model: 'claude-haiku-4-5-20251001',
      max_tokens: 1024,
      system: 'Be brief',
      messages: [{ role: 'user', content: `${prompt} [[mock tokens=6]]` }],
      stream: true,
    });
    const types: string[] = [];
    const deltas: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
        deltas.push(event.delta.text);
      if (event.type === 'message_delta') {
        expect(event.delta.stop_reason).toBe('end_turn');
        expect(event.usage.output_tokens).toBe(6);
      }
    }
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array<string>(6).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const seed = promptSeed([
      { role: 'system', text: 'Be brief' },
      { role: 'user', text: prompt },
    ]);
    expect(deltas).toEqual(mockTokens(seed, 6));
  });

  it('should surface the in-stream overloaded_error event as an APIError after N tokens', async ({
    mockLlm,
  }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const stream = anthropic.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'hi [[mock stream_error after=3]]' }],
    });
    const deltas: string[] = [];
    stream.on('text', (text) => deltas.push(text));
    const error = await stream.finalMessage().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as AnthropicApiError).type).toBe('overloaded_error');
    expect(deltas).toHaveLength(3);
  });

  it('should end with stop_reason refusal for a content filter', async ({ mockLlm }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const message = await anthropic.messages
      .stream({
        model: 'claude-opus-4-1',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'bad [[mock content_filter after=1]]' }],
      })
      .finalMessage();
    expect(message.stop_reason).toBe('refusal');
    expect(message.usage.output_tokens).toBe(1);
  });

  it('should count tokens the same way the messages usage does', async ({ mockLlm }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const counted = await anthropic.messages.countTokens({ model: 'claude-haiku-4-5', messages });
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      messages,
    });
    expect(counted.input_tokens).toBe(message.usage.input_tokens);
  });

  it('should list models', async ({ mockLlm }) => {
    const anthropic = anthropicClient(mockLlm.baseUrls.anthropic);
    const page = await anthropic.models.list();
    expect(page.data.map((model) => model.id)).toEqual(
      expect.arrayContaining(['claude-haiku-4-5', 'claude-opus-4-1', 'claude-haiku-4-5']),
    );
  });
});
