import { describe, expect, it } from 'vitest';
import { runProviderContract } from '../testing/index.js';
import { createAnthropicProvider, toAnthropicRequestBody } from './anthropic-provider.js';

runProviderContract({
  name: 'anthropic',
  // claude-sonnet-4-5 would work too, but the SDK prints a deprecation warning for it.
  model: 'claude-haiku-4-5',
  createProvider: ({ baseURL, apiKey }) => createAnthropicProvider({ apiKey, baseURL }),
});

describe('toAnthropicRequestBody', () => {
  it('should hoist system messages into the top-level system field', () => {
    const body = toAnthropicRequestBody({
      model: 'claude-sonnet-5-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'user', content: 'Still there?' },
        { role: 'system', content: 'Answer in English.' },
      ],
      maxOutputTokens: 100,
      temperature: 0.2,
    });
    expect(body).toMatchInlineSnapshot(`
      {
        "max_tokens": 100,
        "messages": [
          {
            "content": "Hi

      Still there?",
            "role": "user",
          },
        ],
        "model": "claude-sonnet-5-5",
        "stream": true,
        "system": "Be brief.

      Answer in English.",
        "temperature": 0.2,
      }
    `);
  });
});
