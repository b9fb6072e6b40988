import type { TaskEventBody } from '@aiq/events';
import { BENCH_MODEL } from '../workload.js';

/**
 * The events every B4 stream carries, on both sides: `started`, `tokens` tokens, `done`. Event
 * `index` (0 … tokens + 1) of that sequence; its SSE id is `index + 1`.
 */
export function streamEventBody(index: number, tokens: number): TaskEventBody {
  if (index === 0) return { type: 'started', attempt: 1, provider: 'openai', model: BENCH_MODEL };
  if (index <= tokens) return { type: 'token', text: ` word${index}` };
  return {
    type: 'done',
    model: BENCH_MODEL,
    finishReason: 'stop',
    usage: { inputTokens: 12, outputTokens: tokens },
  };
}

/** Events per stream: `started`, the tokens, `done`. */
export const eventsPerStream = (tokens: number) => tokens + 2;

/** The event types a client listens for (EventSource dispatches named events by name). */
export const STREAM_EVENT_TYPES = ['started', 'token', 'done'] as const;
