import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { buildApiError, mapTransportError, type ErrorContext } from '../error-context.js';
import { ProviderError, type ProviderErrorKind } from '../provider-error.js';
import { redactSecrets } from '../redact-secrets.js';

/** HTTP status → kind, for bodies whose `code`/`type` say nothing more specific. */
export type StatusKinds = Readonly<Record<number, ProviderErrorKind>>;

/**
 * OpenAI's documented statuses (platform.openai.com/docs/guides/error-codes). 503 is "Slow Down" /
 * "engine overloaded", so it is capacity, not a bug.
 */
export const OPENAI_STATUS_KINDS: StatusKinds = {
  400: 'invalid_request',
  401: 'auth',
  403: 'permission',
  404: 'model_not_found',
  408: 'timeout',
  409: 'server_error',
  413: 'invalid_request',
  422: 'invalid_request',
  429: 'rate_limited',
  500: 'server_error',
  502: 'server_error',
  503: 'overloaded',
  504: 'timeout',
};

/** Billing failures: `type` is `insufficient_quota`; `code` may name the exact cap. */
const QUOTA_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
  'billing_hard_limit_reached',
  'billing_not_active',
]);

/** `code`/`type` values that decide the kind whatever the status. */
const CODE_KINDS: Readonly<Record<string, ProviderErrorKind>> = {
  context_length_exceeded: 'token_limit_exceeded',
  string_above_max_length: 'token_limit_exceeded',
  invalid_api_key: 'auth',
  model_not_found: 'model_not_found',
  content_policy_violation: 'content_filtered',
  content_filter: 'content_filtered',
  rate_limit_exceeded: 'rate_limited',
  rate_limit_error: 'rate_limited',
  overloaded_error: 'overloaded',
};

/** The documented `error` object of an OpenAI-style body: `{message, type, param, code}`. */
interface OpenAIErrorBody {
  readonly message: string | undefined;
  readonly type: string | undefined;
  readonly code: string | undefined;
}

function readBody(body: unknown, sdkCode: string | undefined): OpenAIErrorBody {
  const field = (name: string): string | undefined => {
    if (typeof body !== 'object' || body === null) return undefined;
    const value = (body as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    message: field('message'),
    type: field('type'),
    code: field('code') ?? sdkCode,
  };
}

const MODEL_MISSING_MESSAGE = /model not exist/i;
const CONTEXT_MESSAGE =
  /maximum context length|context[ _]length|too many tokens|reduce the length/i;

/** Picks the kind from code, type, message and status, most specific first. */
function classifyOpenAIError(
  status: number | undefined,
  body: OpenAIErrorBody,
  statusKinds: StatusKinds,
): ProviderErrorKind {
  const { code, type, message = '' } = body;
  if ((code !== undefined && QUOTA_CODES.has(code)) || type === 'insufficient_quota') {
    return 'insufficient_quota';
  }
  const byCode =
    (code !== undefined ? CODE_KINDS[code] : undefined) ??
    (type !== undefined ? CODE_KINDS[type] : undefined);
  // OpenAI answers "Project … does not have access to model" with 403 and code model_not_found:
  // the model exists, the key may not use it.
  if (byCode === 'model_not_found' && status === 403) return 'permission';
  if (byCode !== undefined) return byCode;
  // DeepSeek answers an unknown model with 400 "Model Not Exist".
  if (MODEL_MISSING_MESSAGE.test(message)) return 'model_not_found';
  if ((status === 400 || status === undefined) && CONTEXT_MESSAGE.test(message))
    return 'token_limit_exceeded';
  if (status === undefined) return 'server_error'; // an `error` chunk inside a 200 stream
  return statusKinds[status] ?? (status >= 500 ? 'server_error' : 'invalid_request');
}

/**
 * Maps anything the `openai` SDK throws to a ProviderError. Used by the OpenAI and DeepSeek
 * adapters; DeepSeek passes its own status table.
 */
export function mapOpenAIError(
  error: unknown,
  context: ErrorContext,
  statusKinds: StatusKinds = OPENAI_STATUS_KINDS,
): ProviderError {
  if (error instanceof APIUserAbortError) {
    // Our scope normally reports aborts itself; this covers an abort that raced it.
    return new ProviderError({
      kind: 'cancelled',
      provider: context.provider,
      message: `${context.provider}: request aborted`,
    });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError({
      kind: 'timeout',
      provider: context.provider,
      message: `${context.provider}: connection timed out`,
    });
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError({
      kind: 'network',
      provider: context.provider,
      message: redactSecrets(
        `${context.provider}: connection failed: ${error.message}`,
        context.secrets,
      ),
    });
  }
  if (!(error instanceof APIError)) return mapTransportError(error, context);
  // `instanceof` narrows to APIError<any, any, any>; pin the documented field types.
  const status = error.status as number | undefined;
  const headers = error.headers as Headers | undefined;
  const body = readBody(error.error as unknown, error.code ?? undefined);
  return buildApiError(
    {
      kind: classifyOpenAIError(status, body, statusKinds),
      status,
      providerCode: body.code ?? body.type,
      message: body.message ?? error.message,
      headers,
      requestId: error.requestID ?? undefined,
    },
    error,
    context,
  );
}
