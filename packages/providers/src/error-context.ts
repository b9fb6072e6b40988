import type { ProviderName } from './provider.js';
import { isRetryableKind, ProviderError, type ProviderErrorKind } from './provider-error.js';
import { parseRetryAfterMs, type HeadersLike } from './parse-retry-after.js';
import { redactSecrets, sanitizeCause } from './redact-secrets.js';

/** What every error mapper needs: who failed, and which secrets must never leave in a message. */
export interface ErrorContext {
  readonly provider: ProviderName;
  /** The API key in use, scrubbed from every message and cause. */
  readonly secrets: readonly (string | undefined)[];
}

/** The fields an adapter extracted from an HTTP or in-stream API error. */
export interface ApiErrorFields {
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  readonly providerCode: string | undefined;
  readonly message: string;
  readonly headers: HeadersLike;
  readonly requestId: string | undefined;
  /** Force the retryable flag, e.g. a 429 that is really a spend cap. */
  readonly retryable?: boolean;
}

/**
 * Builds the ProviderError for an API error: redacted message, sanitized cause and, for retryable
 * kinds only, the wait the headers ask for (reset headers only for `rate_limited`).
 */
export function buildApiError(
  fields: ApiErrorFields,
  cause: unknown,
  context: ErrorContext,
): ProviderError {
  const retryable = fields.retryable ?? isRetryableKind(fields.kind);
  const retryAfterMs = retryable
    ? parseRetryAfterMs(fields.headers, { includeRateLimitResets: fields.kind === 'rate_limited' })
    : undefined;
  return new ProviderError({
    kind: fields.kind,
    retryable,
    retryAfterMs,
    provider: context.provider,
    message: redactSecrets(describe(context.provider, fields), context.secrets),
    status: fields.status,
    providerCode: fields.providerCode,
    requestId: fields.requestId,
    cause: sanitizeCause(cause, context.secrets),
  });
}

function describe(provider: ProviderName, { status, message }: ApiErrorFields): string {
  const where = status === undefined ? `${provider} (in stream)` : `${provider} ${status}`;
  return `${where}: ${message}`;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

/**
 * Errors that are not API errors: undici's mid-stream "terminated" TypeError and socket errors
 * (network), unparseable SSE data (server_error: the provider sent something broken), and our own
 * ProviderErrors thrown from inside a stream, which pass through.
 */
export function mapTransportError(error: unknown, context: ErrorContext): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  const cause = sanitizeCause(error, context.secrets);
  const base = { provider: context.provider, cause };
  if (error instanceof SyntaxError) {
    return new ProviderError({
      ...base,
      kind: 'server_error',
      message: `${context.provider}: the stream held data that is not valid JSON`,
    });
  }
  const code = errorCode(error);
  const isNetwork =
    error instanceof TypeError ||
    (code !== undefined && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR')));
  return new ProviderError({
    ...base,
    kind: isNetwork ? 'network' : 'server_error',
    message: redactSecrets(
      `${context.provider}: ${isNetwork ? 'connection failed' : 'unexpected failure'}: ${cause.message}`,
      context.secrets,
    ),
  });
}
