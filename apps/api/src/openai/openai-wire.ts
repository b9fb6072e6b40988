import { assertNever } from '@aiq/providers';
import { TaskErrorCode } from '@aiq/tasks';
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

/**
 * HTTP status of a task that ended in `error`, as an OpenAI client expects it: 4xx for what a
 * retry cannot fix (the official SDKs do not retry those), 5xx only for outages.
 */
function statusOfFailure(code: TaskErrorCode): ContentfulStatusCode {
  switch (code) {
    case 'token_limit_exceeded':
    case 'invalid_request':
    case 'content_filtered':
    case 'model_retired':
    case 'unknown_task_type':
    case 'fallback_context_exceeded':
      return 400;
    case 'auth':
      return 401;
    case 'insufficient_quota':
      return 402;
    case 'permission':
      return 403;
    case 'model_not_found':
      return 404;
    case 'cancelled':
      return 409;
    case 'rate_limited':
      return 429;
    case 'timeout':
      return 504;
    case 'overloaded':
    case 'worker_shutdown':
    case 'not_enqueued':
    case 'provider_unavailable':
      return 503;
    case 'server_error':
    case 'network':
    case 'internal_error':
    case 'all_candidates_failed': // every upstream model failed (ensembles are not on /v1)
      return 502;
    default:
      return assertNever(code);
  }
}

/** A task's `error` or `cancelled` end as the error an OpenAI client receives. */
export function failureOf(event: Extract<TaskEvent, { type: 'error' | 'cancelled' }>): ApiError {
  if (event.type === 'cancelled')
    return new ApiError(409, 'cancelled', `The task was cancelled: ${event.reason}`);
  // A code from a newer worker than this API is still answered, as a bad gateway.
  const code = TaskErrorCode.safeParse(event.code);
  return new ApiError(code.success ? statusOfFailure(code.data) : 502, event.code, event.message);
}
