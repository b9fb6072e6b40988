import { describe, expect, it } from 'vitest';
import { convertToAnthropicMessages } from './anthropic/convert-to-anthropic-messages.js';
import { mapAnthropicFinishReason } from './anthropic/map-anthropic-finish-reason.js';
import { convertToOpenAIMessages } from './openai/convert-to-openai-messages.js';
import { mapOpenAIFinishReason } from './openai/map-openai-finish-reason.js';
import type { ChatMessage } from './provider.js';

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'Bye' },
];

describe('message conversion', () => {
  it('should keep system messages in place for OpenAI', () => {
    expect(convertToOpenAIMessages(conversation)).toEqual(conversation);
  });

  it('should hoist system for Anthropic and leave no system turn', () => {
    const { system, messages } = convertToAnthropicMessages(conversation);
    expect(system).toBe('Be brief.');
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(convertToAnthropicMessages([{ role: 'user', content: 'x' }]).system).toBeUndefined();
  });
});

describe('finish reasons', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    ['tool_calls', 'tool-calls'],
    [null, 'other'],
  ] as const)('should map OpenAI %s to %s', (raw, unified) => {
    expect(mapOpenAIFinishReason(raw)).toEqual({ unified, raw: raw ?? undefined });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool-calls'],
    ['refusal', 'content-filter'],
    ['pause_turn', 'other'],
  ] as const)('should map Anthropic %s to %s', (raw, unified) => {
    expect(mapAnthropicFinishReason(raw)).toEqual({ unified, raw });
  });
});
