import OpenAI from 'openai';
import { describe, expect } from 'vitest';
import {
  mockLlmTest as it,
  openAIClient,
  rejectionOf,
  type OpenAIApiError,
} from '../testing/mock-llm-fixture.js';

const messages = [{ role: 'user' as const, content: 'Summarise the runbook' }];

describe('DeepSeek chat completions', () => {
  it('should answer with UUID ids and context-cache usage fields', async ({ mockLlm }) => {
    const deepseek = openAIClient(mockLlm.baseUrls.deepseek);
    const completion = await deepseek.chat.completions.create({ model: 'deepseek-chat', messages });
    expect(completion.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_cache_hit_tokens: 0,
      prompt_cache_miss_tokens: completion.usage?.prompt_tokens,
    });
  });

  it('should stream every token from /deepseek/v1 too', async ({ mockLlm }) => {
    const deepseek = openAIClient(`${mockLlm.baseUrls.deepseek}/v1`);
    const plain = await deepseek.chat.completions.create({ model: 'deepseek-reasoner', messages });
    const stream = await deepseek.chat.completions.create({
      model: 'deepseek-reasoner',
      messages,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(mockLlm.requests({ provider: 'deepseek' })).toHaveLength(2);
  });

  it('should end with finish_reason insufficient_system_resource', async ({ mockLlm }) => {
    const deepseek = openAIClient(mockLlm.baseUrls.deepseek);
    const completion = await deepseek.chat.completions.create({
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: 'hi [[mock insufficient_system_resource after=2]]' }],
    });
    expect(completion.choices[0]?.finish_reason).toBe('insufficient_system_resource');
    expect(completion.usage?.completion_tokens).toBe(2);
  });

  it('should send 402 Insufficient Balance in DeepSeek format', async ({ mockLlm }) => {
    const deepseek = openAIClient(mockLlm.baseUrls.deepseek);
    const error = await rejectionOf(
      deepseek.chat.completions.create(
        { model: 'deepseek-chat', messages },
        { headers: { 'x-mock-fault': '402' } },
      ),
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as OpenAIApiError).status).toBe(402);
    expect((error as OpenAIApiError).error).toEqual({
      message: 'Insufficient Balance',
      type: 'unknown_error',
      param: null,
      code: 'invalid_request_error',
    });
  });

  it('should send 503 Server Overloaded and 429 with retry-after', async ({ mockLlm }) => {
    const deepseek = openAIClient(mockLlm.baseUrls.deepseek);
    const overloaded = await rejectionOf(
      deepseek.chat.completions.create(
        { model: 'deepseek-chat', messages },
        { headers: { 'x-mock-fault': 'overloaded' } },
      ),
    );
    const limited = await rejectionOf(
      deepseek.chat.completions.create(
        { model: 'deepseek-chat', messages },
        { headers: { 'x-mock-fault': '429 retry_after=4' } },
      ),
    );
    expect(overloaded).toBeInstanceOf(OpenAI.InternalServerError);
    expect((overloaded as OpenAIApiError).status).toBe(503);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as OpenAIApiError).headers?.get('retry-after')).toBe('4');
  });

  it('should reject an invalid key and an unknown model like api.deepseek.com', async ({
    mockLlm,
  }) => {
    const badKey = await rejectionOf(
      openAIClient(mockLlm.baseUrls.deepseek, 'invalid').chat.completions.create({
        model: 'deepseek-chat',
        messages,
      }),
    );
    const badModel = await rejectionOf(
      openAIClient(mockLlm.baseUrls.deepseek).chat.completions.create({
        model: 'deepseek-v9',
        messages,
      }),
    );
    expect(badKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((badKey as OpenAIApiError).type).toBe('authentication_error');
    expect(badModel).toBeInstanceOf(OpenAI.BadRequestError);
    expect((badModel as OpenAIApiError).message).toBe('400 Model Not Exist');
  });

  it('should list the DeepSeek models', async ({ mockLlm }) => {
    const page = await openAIClient(mockLlm.baseUrls.deepseek).models.list();
    expect(page.data.map((model) => model.id)).toEqual(['deepseek-chat', 'deepseek-reasoner']);
  });
});
