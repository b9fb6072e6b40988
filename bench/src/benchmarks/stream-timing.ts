import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { BENCH_MODEL } from '../workload.js';

/** When the pieces of one streamed completion arrived. */
export interface StreamTiming {
  /** From the call to the first content chunk. */
  readonly ttftMs: number;
  /** From the call to the end of the stream. */
  readonly totalMs: number;
  /** Between consecutive content chunks. */
  readonly gapsMs: readonly number[];
  /** Words received: the mock sends one word per token. */
  readonly words: number;
}

/** The official openai SDK on a base URL: aiq's `/v1` or the mock's, with no SDK retries. */
export function openAiClient(baseURL: string, apiKey: string): OpenAI {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0 });
}

/**
 * Streams one chat completion with the openai SDK and times its content chunks. The prompt is
 * made unique, so no response cache answers it; `directive` scripts the mock's answer.
 */
export async function timeStream(
  client: OpenAI,
  {
    directive,
    maxTokens,
    expectedWords,
  }: { directive: string; maxTokens?: number; expectedWords: number },
): Promise<StreamTiming> {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model: BENCH_MODEL,
    messages: [{ role: 'user', content: `Request ${randomUUID()}: stream it ${directive}` }],
    stream: true,
    ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
  });
  let first: number | undefined;
  let last = started;
  const gapsMs: number[] = [];
  let text = '';
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content;
    if (!content) continue;
    const now = performance.now();
    if (first === undefined) first = now;
    else gapsMs.push(now - last);
    last = now;
    text += content;
  }
  const words = text.split(' ').filter(Boolean).length;
  if (first === undefined || words !== expectedWords) {
    throw new Error(`a stream brought ${words} words, not ${expectedWords}`);
  }
  return { ttftMs: first - started, totalMs: performance.now() - started, gapsMs, words };
}

/** Runs `count` streams one after another (no overlap: latency, not load). */
export async function timeStreams(
  count: number,
  stream: () => Promise<StreamTiming>,
): Promise<StreamTiming[]> {
  const timings: StreamTiming[] = [];
  for (let index = 0; index < count; index += 1) timings.push(await stream());
  return timings;
}
