import { assertNever, ProviderError, type ProviderErrorKind } from '@aiq/providers';

/**
 * What a finished call says about its provider's health:
 * - `failure`: an outage kind, the provider's fault (5xx, overload, timeout, network, a bad key);
 * - `success`: the provider answered;
 * - `neutral`: the caller's or the limiter's business (429, a bad request, a prompt too long, a
 *   filtered prompt, a cancel). Neutral calls neither count in the window nor reset the
 *   consecutive count: a burst of 429s between two server errors must not hide the outage.
 */
export type CallOutcome = 'success' | 'failure' | 'neutral';

/** The circuit's reading of a provider error kind. */
export function outcomeOfKind(kind: ProviderErrorKind): CallOutcome {
  switch (kind) {
    case 'server_error':
    case 'overloaded':
    case 'timeout':
    case 'network':
    case 'auth':
      return 'failure';
    case 'rate_limited':
    case 'permission':
    case 'token_limit_exceeded':
    case 'invalid_request':
    case 'model_not_found':
    case 'model_retired':
    case 'content_filtered':
    case 'cancelled':
    case 'insufficient_quota':
      return 'neutral';
    default:
      return assertNever(kind);
  }
}

/** The outcome of a call that threw `error` (anything not a ProviderError is our own bug: neutral). */
export function outcomeOfError(error: unknown): CallOutcome {
  return ProviderError.isInstance(error) ? outcomeOfKind(error.kind) : 'neutral';
}
