import { describe, expect, it } from 'vitest';
import { toOpenAIRequestBody } from '../openai/openai-provider.js';
import { runProviderContract } from '../testing/index.js';
import { createDeepSeekProvider } from './deepseek-provider.js';

runProviderContract({
  name: 'deepseek',
  model: 'deepseek-chat',
  createProvider: ({ baseURL, apiKey }) => createDeepSeekProvider({ apiKey, baseURL }),
});

describe('DeepSeek request body', () => {
  it('should use max_tokens, as DeepSeek documents', () => {
    const body = toOpenAIRequestBody(
      {
        model: 'deepseek-reasoner',
        messages: [{ role: 'user', content: 'Hi' }],
        maxOutputTokens: 100,
      },
      'deepseek',
      'max_tokens',
    );
    expect(body).toMatchInlineSnapshot(`
      {
        "max_tokens": 100,
        "messages": [
          {
            "content": "Hi",
            "role": "user",
          },
        ],
        "model": "deepseek-reasoner",
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
      }
    `);
  });
});
