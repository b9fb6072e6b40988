import { describe, expect, it } from 'vitest';
import { runProviderContract } from '../testing/index.js';
import { createOpenAIProvider, toOpenAIRequestBody } from './openai-provider.js';

runProviderContract({
  name: 'openai',
  model: 'gpt-5',
  createProvider: ({ baseURL, apiKey }) => createOpenAIProvider({ apiKey, baseURL }),
});

describe('toOpenAIRequestBody', () => {
  it('should stream with usage and use max_completion_tokens', () => {
    const body = toOpenAIRequestBody(
      {
        model: 'gpt-5.6-sol',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        maxOutputTokens: 100,
        providerOptions: { openai: { reasoning_effort: 'low' }, anthropic: { ignored: true } },
      },
      'openai',
      'max_completion_tokens',
    );
    expect(body).toMatchInlineSnapshot(`
      {
        "max_completion_tokens": 100,
        "messages": [
          {
            "content": "Be brief.",
            "role": "system",
          },
          {
            "content": "Hi",
            "role": "user",
          },
        ],
        "model": "gpt-5.6-sol",
        "reasoning_effort": "low",
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
      }
    `);
  });
});
