import { openCallScope, type AbortCause, type CallScope } from './call-scope.js';
import type { CallOptions, FinishReason, ProviderEvent, ProviderName } from './provider.js';
import { ProviderError, type ProviderErrorKind } from './provider-error.js';

/** What an adapter supplies to {@link runProviderStream}. */
export interface StreamSource {
  readonly provider: ProviderName;
  /**
   * Calls the SDK and yields events, ending with `finish` when the provider says it is done.
   * Throws on failure; it need not know about aborts, deadlines or partial text.
   */
  produce(scope: CallScope): AsyncIterable<ProviderEvent>;
  /** Turns whatever `produce` threw into a ProviderError. Called only when no abort fired. */
  mapError(error: unknown): ProviderError;
  /** Kind for a finish whose unified reason is `error`. @defaultValue () => 'server_error' */
  finishErrorKind?: (raw: string | undefined) => ProviderErrorKind;
}

/** The error for a call that our own scope aborted: the caller's signal or the deadline. */
function abortedError(
  cause: Exclude<AbortCause, undefined>,
  provider: ProviderName,
): ProviderError {
  return cause === 'timeout'
    ? new ProviderError({
        kind: 'timeout',
        provider,
        message: `${provider}: the deadline passed before the call finished`,
      })
    : new ProviderError({
        kind: 'cancelled',
        provider,
        message: `${provider}: the call was cancelled by the caller`,
      });
}

/**
 * A finish that is really a failure: the content filter cut the answer off (OpenAI/DeepSeek
 * `content_filter`, Anthropic `refusal`), or the provider reports an error finish (DeepSeek
 * `insufficient_system_resource`). `length` stays a finish: the answer is valid, only shorter.
 */
function finishAsError(
  source: StreamSource,
  finishReason: FinishReason,
): ProviderError | undefined {
  const { unified, raw } = finishReason;
  if (unified !== 'content-filter' && unified !== 'error') return undefined;
  const kind =
    unified === 'content-filter'
      ? 'content_filtered'
      : (source.finishErrorKind?.(raw) ?? 'server_error');
  return new ProviderError({
    kind,
    provider: source.provider,
    providerCode: raw,
    message: `${source.provider}: generation stopped with finish reason ${raw ?? 'unknown'}`,
  });
}

function toError(
  source: StreamSource,
  scope: CallScope,
  error: unknown,
  partialTextLength: number,
): ProviderEvent {
  const cause = scope.cause();
  // Once our scope fired, whatever the SDK threw (APIUserAbortError, AbortError, "terminated")
  // is a consequence of that abort, and the abort is the truth.
  const mapped =
    cause === undefined ? source.mapError(error) : abortedError(cause, source.provider);
  return { type: 'error', error: mapped, partialTextLength };
}

/** The response headers an SDK's HTTP error carries (`APIError.headers` in both SDKs). */
function headersOf(error: unknown): Headers | undefined {
  if (typeof error !== 'object' || error === null || !('headers' in error)) return undefined;
  return error.headers instanceof Headers ? error.headers : undefined;
}

/**
 * The shared skeleton of every adapter's `stream()`: opens the call scope (signal + deadline),
 * counts streamed characters, guarantees exactly one terminal event, never throws, and aborts the
 * HTTP request when the consumer stops iterating early.
 */
export async function* runProviderStream(
  source: StreamSource,
  options: CallOptions,
): AsyncGenerator<ProviderEvent, void, undefined> {
  const scope = openCallScope(options);
  let partialTextLength = 0;
  try {
    const early = scope.cause();
    if (early !== undefined) {
      yield { type: 'error', error: abortedError(early, source.provider), partialTextLength };
      return;
    }
    for await (const event of source.produce(scope)) {
      const cause = scope.cause();
      if (event.type === 'finish' && cause !== undefined) break;
      if (event.type === 'text-delta') partialTextLength += event.text.length;
      const failure =
        event.type === 'finish' ? finishAsError(source, event.finishReason) : undefined;
      if (failure !== undefined) {
        yield { type: 'error', error: failure, partialTextLength };
        return;
      }
      yield event;
      if (event.type === 'finish' || event.type === 'error') return;
    }
    // The SDKs end their iterators silently when the request is aborted, so an early end is
    // either our abort or a stream that closed before the provider said it was done.
    const cause = scope.cause();
    const error =
      cause === undefined
        ? new ProviderError({
            kind: 'network',
            provider: source.provider,
            message: `${source.provider}: the stream ended before the provider finished`,
          })
        : abortedError(cause, source.provider);
    yield { type: 'error', error, partialTextLength };
  } catch (error) {
    scope.reportHeaders(headersOf(error));
    yield toError(source, scope, error, partialTextLength);
  } finally {
    scope.close();
  }
}
