import type { TaskEvent } from '@aiq/events';
import type { ChatMessage } from '@aiq/queue';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../api-error.js';
import type { ChatCompletionRequest } from '../schemas/openai-schemas.js';

/** OpenAI clients' messages as aiq's: text parts joined, `developer` as `system`. */
export function toChatMessages(messages: ChatCompletionRequest['messages']): ChatMessage[] {
  return messages.map((message) => ({
    role: message.role === 'developer' ? 'system' : message.role,
    content:
      typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => part.text).join(''),
  }));
}

/** aiq's unified finish reasons in OpenAI's spelling. */
export function toOpenAIFinishReason(reason: string): string {
  switch (reason) {
    case 'length':
      return 'length';
    case 'content-filter':
    case 'content_filter':
      return 'content_filter';
    case 'tool-calls':
    case 'tool_calls':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

/** The chat completion id of a task: the task id stays visible for polling and support. */
export function completionId(taskId: string): string {
  return `chatcmpl-${taskId}`;
}

/** HTTP status of a task that ended in `error`, as an OpenAI client expects it. */
function statusOfFailure(code: string): ContentfulStatusCode {
  if (
    code === 'token_limit_exceeded' ||
    code === 'invalid_request' ||
    code === 'content_filtered' ||
    code === 'model_retired'
  )
    return 400;
  if (code === 'model_not_found') return 404;
  if (code === 'rate_limited') return 429;
  if (code === 'timeout') return 504;
  return 502;
}

/** A task's `error` or `cancelled` end as the error an OpenAI client receives. */
export function failureOf(event: Extract<TaskEvent, { type: 'error' | 'cancelled' }>): ApiError {
  if (event.type === 'cancelled')
    return new ApiError(409, 'cancelled', `The task was cancelled: ${event.reason}`);
  return new ApiError(statusOfFailure(event.code), event.code, event.message);
}
