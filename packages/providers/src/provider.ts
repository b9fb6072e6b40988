import type { ProviderName } from '@aiq/config';
import type { ProviderError } from './provider-error.js';

export type { ProviderName } from '@aiq/config';

/** One chat turn. Content is plain text: aiq generates prose, not tool calls or images. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** What to generate. The same shape for every provider (house style R8). */
export interface GenerateRequest {
  /** The provider's API model id, already resolved through the model registry. */
  readonly model: string;
  /** System messages may appear anywhere; adapters hoist them where the provider needs them. */
  readonly messages: readonly ChatMessage[];
  /** Upper bound on generated tokens. Sent as `max_completion_tokens`, `max_tokens` as each API wants. */
  readonly maxOutputTokens: number;
  /** Sampling temperature; omitted from the request when undefined (some models refuse it). */
  readonly temperature?: number;
  /**
   * Provider-specific knobs, passed through verbatim into the request body (rule of 3: nothing
   * generic until all three providers have it). Keyed by provider name.
   */
  readonly providerOptions?: Partial<Record<ProviderName, Readonly<Record<string, unknown>>>>;
}

/** Why a generation stopped. */
export interface FinishReason {
  /** Same vocabulary for every provider. */
  readonly unified: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';
  /** The provider's own value, kept for debugging and the ledger. */
  readonly raw: string | undefined;
}

/**
 * One event of a streamed generation. A stream is zero or one `response-start`, any number of
 * `text-delta` and `usage` events, then exactly one terminal `finish` or `error`.
 */
export type ProviderEvent =
  | {
      readonly type: 'response-start';
      /** The model the provider says answered (may be a dated snapshot of the requested id). */
      readonly model: string;
      /** `x-request-id` (OpenAI, DeepSeek) or `request-id` (Anthropic), for support tickets. */
      readonly requestId: string | undefined;
    }
  | { readonly type: 'text-delta'; readonly text: string }
  | { readonly type: 'usage'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly type: 'finish'; readonly finishReason: FinishReason }
  | {
      readonly type: 'error';
      readonly error: ProviderError;
      /**
       * Characters of text streamed before the failure. Zero means "never started"; more than zero
       * means the answer was cut off mid-sentence (runbook symptom).
       */
      readonly partialTextLength: number;
    };

/** Per-call controls. Both are required: every provider call can be cancelled and has a deadline. */
export interface CallOptions {
  /** The caller's cancellation. Aborting it ends the stream with an `error` of kind `cancelled`. */
  readonly signal: AbortSignal;
  /**
   * Epoch milliseconds after which the call is aborted and ends with kind `timeout`. Usually the
   * task's `deadlineAt`, shared across retries and fallbacks.
   */
  readonly deadlineAt: number;
  /**
   * Called with the HTTP response headers of the call, on success (when the response starts) and
   * on an HTTP error (a 429 included), so the caller can read the provider's rate-limit headers
   * (`parseRateLimitHeaders`). Must not throw; what it throws is ignored.
   */
  readonly onResponseHeaders?: ((headers: Headers) => void) | undefined;
}

/** The interface every adapter implements. Small on purpose (house style R8). */
export interface Provider {
  readonly name: ProviderName;
  /**
   * Streams one chat generation. Ends with exactly one `finish` or `error` event and never throws
   * for provider failures. Never retries: retries belong to the queue.
   */
  stream(request: GenerateRequest, options: CallOptions): AsyncIterable<ProviderEvent>;
}
