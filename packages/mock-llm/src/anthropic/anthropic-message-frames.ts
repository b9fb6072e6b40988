import type { MockFinishReason } from '../generation/plan-generation.js';
import { type ResponseContext, sseFrame, type StreamFrames } from '../http/provider-dialect.js';

/** Anthropic's stop reasons for the mock's finish reasons; unknown ones pass through verbatim. */
function stopReason(finishReason: MockFinishReason): string {
  switch (finishReason) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'refusal';
    case 'insufficient_system_resource':
      return finishReason;
  }
}

function usage(context: ResponseContext, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: context.plan.promptTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

/** The `message` object of a non-streaming response. */
export function anthropicMessage(context: ResponseContext): unknown {
  const { plan } = context;
  return {
    id: context.responseId,
    type: 'message',
    role: 'assistant',
    model: context.request.model,
    content: [{ type: 'text', text: plan.tokens.join('') }],
    stop_reason: stopReason(plan.finishReason),
    stop_sequence: null,
    usage: usage(context, plan.tokens.length),
  };
}

/**
 * Frames of a streamed message: `message_start`, `content_block_start`, `ping`, one
 * `content_block_delta` (text_delta) per token, `content_block_stop`, `message_delta`
 * (stop reason and output tokens) and `message_stop`.
 */
export function anthropicMessageFrames(context: ResponseContext): StreamFrames {
  const { plan } = context;
  const start = {
    type: 'message_start',
    message: {
      id: context.responseId,
      type: 'message',
      role: 'assistant',
      model: context.request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(context, 1),
    },
  };
  return {
    start: () => [
      sseFrame(start, 'message_start'),
      sseFrame(
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        'content_block_start',
      ),
      sseFrame({ type: 'ping' }, 'ping'),
    ],
    token: (text) =>
      sseFrame(
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
        'content_block_delta',
      ),
    finish: () => [
      sseFrame({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      sseFrame(
        {
          type: 'message_delta',
          delta: { stop_reason: stopReason(plan.finishReason), stop_sequence: null },
          usage: { output_tokens: plan.tokens.length },
        },
        'message_delta',
      ),
      sseFrame({ type: 'message_stop' }, 'message_stop'),
    ],
    malformed: () =>
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\n\n',
    error: () =>
      sseFrame(
        {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
          request_id: context.entry.id,
        },
        'error',
      ),
  };
}
