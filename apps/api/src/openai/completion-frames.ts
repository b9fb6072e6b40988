import type { TaskEvent } from '@aiq/events';
import { openAIErrorCode } from '../api-error.js';
import { completionId, failureOf, toOpenAIFinishReason } from './openai-wire.js';

export interface StreamCompletionOptions {
  readonly taskId: string;
  readonly model: string;
  /** `stream_options.include_usage`: a last chunk with empty choices and the usage. */
  readonly includeUsage: boolean;
  /** Called before a `stream_reset` error tells the client to retry: the task's answer reaches nobody. */
  readonly onReset: () => Promise<void>;
}

/** One SSE frame of `data` alone, as Hono's `writeSSE({ data })` frames it (JSON: one line). */
const dataFrame = (data: string) => `data: ${data}\n\n`;

/**
 * A task's events as OpenAI `chat.completion.chunk` frames, then `[DONE]`. A failure becomes
 * an `error` chunk, which the openai SDK raises as an APIError. A `reset` after text went out
 * cannot be taken back on this wire, so it cancels the task (`onReset`) and ends the stream with
 * a `stream_reset` error rather than splice two attempts into one answer.
 */
export async function* completionFrames(
  events: AsyncIterable<TaskEvent | 'heartbeat'>,
  { taskId, model, includeUsage, onReset }: StreamCompletionOptions,
): AsyncGenerator<string, void> {
  const id = completionId(taskId);
  const created = Math.floor(Date.now() / 1_000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    dataFrame(
      JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: null,
        choices,
        ...extra,
      }),
    );
  const error = (message: string, type: string, code: string) =>
    dataFrame(JSON.stringify({ error: { message, type, param: null, code } }));
  yield chunk([
    { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null },
  ]);
  let sentText = false;
  for await (const event of events) {
    if (event === 'heartbeat') {
      yield ': heartbeat\n\n';
      continue;
    }
    if (event.type === 'token') {
      sentText ||= event.text.length > 0;
      yield chunk([
        { index: 0, delta: { content: event.text }, finish_reason: null, logprobs: null },
      ]);
    } else if (event.type === 'reset' && sentText) {
      await onReset();
      yield error(
        'The generation was retried after part of the answer was sent; retry the request',
        'server_error',
        'stream_reset',
      );
      return;
    } else if (event.type === 'error' || event.type === 'cancelled') {
      const failure = failureOf(event);
      yield error(
        failure.message,
        failure.status >= 500 ? 'server_error' : 'invalid_request_error',
        openAIErrorCode(failure.code),
      );
      return;
    } else if (event.type === 'done') {
      yield chunk([
        {
          index: 0,
          delta: {},
          finish_reason: toOpenAIFinishReason(event.finishReason),
          logprobs: null,
        },
      ]);
      if (includeUsage) {
        const prompt = event.usage?.inputTokens ?? 0;
        const completion = event.usage?.outputTokens ?? 0;
        yield chunk([], {
          usage: {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
          },
        });
      }
      yield dataFrame('[DONE]');
      return;
    }
  }
}
