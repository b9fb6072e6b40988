import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { buildApiError, mapTransportError, type ErrorContext } from '../error-context.js';
import { ProviderError, type ProviderErrorKind } from '../provider-error.js';
import { redactSecrets } from '../redact-secrets.js';

/**
 * Anthropic's documented error types (platform.claude.com/docs/en/api/errors). `request_too_large`
 * (413) is a prompt far beyond any context window (32 MB), so it gets the same remedy: shrink it.
 */
const TYPE_KINDS: Readonly<Record<string, ProviderErrorKind>> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'auth',
  billing_error: 'insufficient_quota',
  permission_error: 'permission',
  not_found_error: 'model_not_found',
  request_too_large: 'token_limit_exceeded',
  rate_limit_error: 'rate_limited',
  api_error: 'server_error',
  timeout_error: 'timeout',
  overloaded_error: 'overloaded',
  conflict_error: 'server_error',
};

/** Status → kind when the body has no usable `error.type`. 529 is Anthropic's overload status. */
const STATUS_KINDS: Readonly<Record<number, ProviderErrorKind>> = {
  400: 'invalid_request',
  401: 'auth',
  402: 'insufficient_quota',
  403: 'permission',
  404: 'model_not_found',
  408: 'timeout',
  409: 'server_error',
  413: 'token_limit_exceeded',
  422: 'invalid_request',
  429: 'rate_limited',
  500: 'server_error',
  503: 'overloaded',
  504: 'timeout',
  529: 'overloaded',
};

/**
 * `error.details.error_code` values that turn a 429 `rate_limit_error` into a spend cap: usage
 * pauses until the next month or contract change, and the response has no `retry-after`.
 */
const SPEND_CAP_CODES = new Set([
  'enforced_spend_limit_reached',
  'contract_spend_limit_reached',
  'linked_organization_spend_limit_reached',
]);

// "prompt is too long: 208310 tokens > 200000 maximum", and the prompt-plus-max_tokens variant
// "input length and `max_tokens` exceed context limit: … decrease input length or `max_tokens`".
const PROMPT_TOO_LONG = /prompt is too long|context (?:window|length|limit)/i;
const CREDIT_TOO_LOW =
  /credit balance is too low|reached your specified (?:workspace )?API usage limits/i;

/** Picks the kind from `error.type`, `error.details.error_code`, message and status. */
function classifyAnthropicError(
  status: number | undefined,
  type: string | undefined,
  errorCode: string | undefined,
  message: string,
): ProviderErrorKind {
  if (errorCode !== undefined && SPEND_CAP_CODES.has(errorCode)) return 'insufficient_quota';
  const byType = type === undefined ? undefined : TYPE_KINDS[type];
  if (byType === 'invalid_request' || (byType === undefined && status === 400)) {
    if (PROMPT_TOO_LONG.test(message)) return 'token_limit_exceeded';
    if (CREDIT_TOO_LOW.test(message)) return 'insufficient_quota';
  }
  if (byType !== undefined) return byType;
  if (status === undefined) return 'server_error'; // an SSE `error` event inside a 200 stream
  return STATUS_KINDS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request');
}

/**
 * Maps anything `@anthropic-ai/sdk` throws to a ProviderError. An SSE `error` event inside a 200
 * stream arrives as `APIError` with `status` undefined, the body `{type:'error', error:{type,
 * message}}` in `error`, and the type copied to `type` (sdk `core/streaming.ts`).
 */
export function mapAnthropicError(error: unknown, context: ErrorContext): ProviderError {
  const { provider } = context;
  if (error instanceof APIUserAbortError) {
    return new ProviderError({
      kind: 'cancelled',
      provider,
      message: `${provider}: request aborted`,
    });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError({
      kind: 'timeout',
      provider,
      message: `${provider}: connection timed out`,
    });
  }
  if (error instanceof APIConnectionError) {
    const message = redactSecrets(
      `${provider}: connection failed: ${error.message}`,
      context.secrets,
    );
    return new ProviderError({ kind: 'network', provider, message });
  }
  if (!(error instanceof APIError)) return mapTransportError(error, context);
  // `instanceof` narrows to APIError<any, any, any>; pin the documented field types.
  const status = error.status as number | undefined;
  const headers = error.headers as Headers | undefined;
  const message = error.apiMessage ?? error.message;
  const type = error.type ?? undefined;
  const errorCode = error.errorCode ?? undefined;
  return buildApiError(
    {
      kind: classifyAnthropicError(status, type, errorCode, message),
      status,
      providerCode: errorCode ?? type,
      message,
      headers,
      requestId: error.requestID ?? undefined,
    },
    error,
    context,
  );
}
