import type { TaskEvent } from '@aiq/events';
import type { ChatCompletion } from '../schemas/openai-schemas.js';
import { completionId, failureOf, toOpenAIFinishReason } from './openai-wire.js';

/**
 * Folds a task's events into one `chat.completion`: the text of the last attempt (a `reset`
 * discards what came before it) and the `done` event's model, finish reason and usage.
 * @throws ApiError for a task that ended in `error` or `cancelled`
 */
export async function collectCompletion(
  taskId: string,
  events: AsyncIterable<TaskEvent | 'heartbeat'>,
): Promise<ChatCompletion> {
  let text = '';
  for await (const event of events) {
    if (event === 'heartbeat') continue;
    if (event.type === 'token') text += event.text;
    else if (event.type === 'reset') text = '';
    else if (event.type === 'error' || event.type === 'cancelled') throw failureOf(event);
    else if (event.type === 'done') {
      const promptTokens = event.usage?.inputTokens ?? 0;
      const completionTokens = event.usage?.outputTokens ?? 0;
      return {
        id: completionId(taskId),
        object: 'chat.completion',
        created: Math.floor(event.at / 1_000),
        model: event.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null },
            finish_reason: toOpenAIFinishReason(event.finishReason),
            logprobs: null,
          },
        ],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        },
        system_fingerprint: null,
      };
    }
  }
  throw new Error(`The event stream of task ${taskId} ended without a terminal event`);
}
