import type { FaultSpec } from '../fault-spec.js';
import { defaultTokenCount, mockTokens } from './mock-text.js';

/** A fault that strikes inside a 200 response after `after` content tokens. */
export type StreamFault = {
  kind: 'disconnect' | 'malformed_sse' | 'stream_error' | 'hang';
  after: number;
};

/** Why the generation ended, in the mock's own words; providers map it to theirs. */
export type MockFinishReason =
  'stop' | 'length' | 'content_filter' | 'insufficient_system_resource';

/** Everything a provider renderer needs to answer a healthy (or mid-stream faulty) request. */
export type GenerationPlan = {
  /** Content tokens to send, in order; joined they are the response text. */
  tokens: string[];
  finishReason: MockFinishReason;
  promptTokens: number;
  ttftMs: number;
  tokenDelayMs: number;
  streamFault: StreamFault | undefined;
};

/** Options of {@link planGeneration}. */
export type PlanOptions = {
  /** Canonical prompt (see `promptSeed`); the same seed always gives the same tokens. */
  seed: string;
  promptTokens: number;
  /** `max_tokens` / `max_completion_tokens`; cuts the response with finish reason `length`. */
  maxTokens: number | undefined;
  fault: FaultSpec | undefined;
};

/** Default tokens delivered before a stream or finish fault. */
const DEFAULT_AFTER = 5;

/** Decides the tokens, finish reason, pacing and mid-stream fault of one response. */
export function planGeneration({
  seed,
  promptTokens,
  maxTokens,
  fault,
}: PlanOptions): GenerationPlan {
  const wanted = fault?.tokens ?? defaultTokenCount(seed);
  let count = wanted;
  let finishReason: MockFinishReason = 'stop';
  if (maxTokens !== undefined && wanted > maxTokens) {
    count = maxTokens;
    finishReason = 'length';
  }
  const after = Math.min(fault?.after ?? DEFAULT_AFTER, count);
  let streamFault: StreamFault | undefined;
  switch (fault?.fault) {
    case 'content_filter':
    case 'insufficient_system_resource':
      count = after;
      finishReason = fault.fault;
      break;
    case 'disconnect':
    case 'malformed_sse':
    case 'stream_error':
    case 'hang':
      streamFault = { kind: fault.fault, after };
      break;
    default:
      break;
  }
  return {
    tokens: fault?.text === undefined ? mockTokens(seed, count) : [fault.text],
    finishReason,
    promptTokens,
    ttftMs: fault?.ttftMs ?? 0,
    tokenDelayMs: fault?.tokenDelayMs ?? 0,
    streamFault,
  };
}
