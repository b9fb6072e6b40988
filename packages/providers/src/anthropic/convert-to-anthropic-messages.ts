import type { ChatMessage } from '../provider.js';

/** A Messages API turn (text only). */
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Messages API input: the system prompt is a top-level field, not a message. */
export interface AnthropicPrompt {
  system: string | undefined;
  messages: AnthropicMessage[];
}

/**
 * Our messages in Messages API form: every system message is hoisted into the top-level `system`
 * (joined by blank lines, in order), and consecutive turns of one role are merged, since the API
 * expects user and assistant turns to alternate.
 */
export function convertToAnthropicMessages(messages: readonly ChatMessage[]): AnthropicPrompt {
  const system: string[] = [];
  const turns: AnthropicMessage[] = [];
  for (const { role, content } of messages) {
    if (role === 'system') {
      system.push(content);
      continue;
    }
    const previous = turns.at(-1);
    if (previous?.role === role) previous.content = `${previous.content}\n\n${content}`;
    else turns.push({ role, content });
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages: turns };
}
