import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { test } from 'vitest';
import { startMockLlm, type MockLlmServer } from '../start-mock-llm.js';

/** Keys the tests send; the request log must never contain them. */
export const OPENAI_KEY = 'sk-test-openai-secret-1234';
export const ANTHROPIC_KEY = 'sk-ant-test-secret-5678';

/** An official OpenAI client against the mock, without retries or SDK logging. */
export function openAIClient(baseURL: string, apiKey = OPENAI_KEY): OpenAI {
  return new OpenAI({ apiKey, baseURL, maxRetries: 0, logLevel: 'off' });
}

/** An official Anthropic client against the mock, without retries or SDK logging. */
export function anthropicClient(baseURL: string, apiKey = ANTHROPIC_KEY): Anthropic {
  return new Anthropic({ apiKey, baseURL, maxRetries: 0, logLevel: 'off' });
}

/** Vitest `test` with a fresh mock server per test (port 0), closed afterwards. */
export const mockLlmTest = test.extend<{ mockLlm: MockLlmServer }>({
  // eslint-disable-next-line no-empty-pattern -- vitest reads fixture dependencies from this pattern
  mockLlm: async ({}, use) => {
    const server = await startMockLlm({ port: 0 });
    await use(server);
    await server.close();
  },
});

/** Runs `promise` and returns what it rejected with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Instance type of the OpenAI SDK's `APIError` (the namespace export is a value). */
export type OpenAIApiError = InstanceType<typeof OpenAI.APIError>;

/** Instance type of the Anthropic SDK's `APIError`. */
export type AnthropicApiError = InstanceType<typeof Anthropic.APIError>;
