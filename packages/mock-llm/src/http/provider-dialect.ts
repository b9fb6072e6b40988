import type { z } from 'zod';
import type { MockProvider } from '../fault-spec.js';
import type { ErrorReply, MockError } from '../generation/mock-error.js';
import type { PromptMessage } from '../generation/mock-text.js';
import type { GenerationPlan } from '../generation/plan-generation.js';
import type { RecordedRequest } from '../request-log.js';

/** A provider request reduced to what the shared generation flow needs. */
export type GenerationRequest = {
  model: string;
  stream: boolean;
  /** `max_tokens` / `max_completion_tokens`, when the client set one. */
  maxTokens: number | undefined;
  /** Whole conversation with the system prompt first, as plain text. */
  messages: PromptMessage[];
  /** Text of the last user message, where `[[mock …]]` directives are read. */
  lastUserText: string;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
};

/** Rate-limit state reported in headers; `limited` is true on a 429. */
export type RateLimitState = {
  limited: boolean;
  /** Seconds until the limit resets (also the `retry-after` value on a 429). */
  resetSeconds: number;
};

/** Everything a renderer needs to write one response. */
export type ResponseContext = {
  entry: RecordedRequest;
  request: GenerationRequest;
  plan: GenerationPlan;
  /** Id of the completion or message (`chatcmpl-…`, `msg_01…`). */
  responseId: string;
  /** Unix seconds, as OpenAI's `created`. */
  created: number;
};

/** Serialised SSE frames of one streamed response, in the provider's event vocabulary. */
export interface StreamFrames {
  /** Frames before the first token (role chunk; `message_start`, `content_block_start`, `ping`). */
  start(): string[];
  /** The frame carrying content token `text`. */
  token(text: string): string;
  /** Frames after the last token (finish, usage, `[DONE]` or `message_stop`). */
  finish(): string[];
  /** A broken frame for the `malformed_sse` fault. */
  malformed(): string;
  /** The provider's in-stream error frame for the `stream_error` fault. */
  error(): string;
}

/**
 * One provider's wire format. The shared flow (`handle-generation.ts`) validates, applies
 * faults and paces tokens; the dialect decides every byte the client sees.
 */
export interface ProviderDialect<TRequest> {
  readonly provider: MockProvider;
  /** Minimal zod schema of the request body. */
  readonly schema: z.ZodType<TRequest>;
  /** Checks the credentials headers; returns the error to send, if any. */
  authenticate(headers: Headers): MockError | undefined;
  /** Reduces a validated body to a {@link GenerationRequest}. */
  describe(request: TRequest): GenerationRequest;
  /** Status and body of an error, in the provider's documented format. */
  renderError(error: MockError, requestId: string): ErrorReply;
  /** The API key the client sent, for the `invalid_key` fault's message. */
  apiKey(headers: Headers): string;
  /** Headers on every response: request id and rate-limit headers. */
  headers(entry: RecordedRequest, rate: RateLimitState): Record<string, string>;
  /** The non-streaming response body. */
  completion(context: ResponseContext): unknown;
  /** The streaming response frames. */
  frames(context: ResponseContext): StreamFrames;
  /** Error used when a `stream_error` fault hits a non-streaming request. */
  readonly streamErrorFallback: MockError;
  /** Id of a new completion or message. */
  newResponseId(): string;
}

/** Formats one SSE frame: optional `event:` line, JSON `data:` line, blank line. */
export function sseFrame(data: unknown, event?: string): string {
  const prefix = event === undefined ? '' : `event: ${event}\n`;
  return `${prefix}data: ${JSON.stringify(data)}\n\n`;
}
