import type { ChatMessage } from '../provider.js';

/** A chat message in the Chat Completions wire format (text only). */
export interface OpenAIChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * Our messages in Chat Completions form. The roles and text map one to one; `system` stays a
 * message (GPT-5 treats it as `developer`, which the API accepts either way).
 */
export function convertToOpenAIMessages(messages: readonly ChatMessage[]): OpenAIChatMessage[] {
  return messages.map(({ role, content }) => ({ role, content }));
}
