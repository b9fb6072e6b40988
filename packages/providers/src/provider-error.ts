import { z } from 'zod';

const marker = Symbol.for('aiq.error.provider');

/**
 * Every way a provider call can fail, in one vocabulary. Adapters map each provider's documented
 * status codes and error types onto these; `retryable` follows from the kind unless overridden.
 */
export const ProviderErrorKind = z.enum([
  /** 429 from a request or token rate limit. Retryable, usually with `retryAfterMs`. */
  'rate_limited',
  /** The provider is short of capacity for everyone: Anthropic 529, DeepSeek 503. Retryable. */
  'overloaded',
  /** 5xx, a malformed stream, or an in-stream server error. Retryable. */
  'server_error',
  /** Our deadline (or the SDK's connect timeout, or Anthropic 504) fired. Retryable. */
  'timeout',
  /** The connection failed or broke mid-stream. Retryable. */
  'network',
  /** 401: the key is wrong, revoked or missing. Not retryable. */
  'auth',
  /** 403: the key may not use this model or resource. Not retryable. */
  'permission',
  /**
   * The prompt plus output budget does not fit the context window (OpenAI's
   * `context_length_exceeded`). Named as the runbook names it, so its
   * `error_code LIKE '%token%'` finds these failures. Not retryable as is.
   */
  'token_limit_exceeded',
  /** 400/422: the request itself is wrong. Not retryable. */
  'invalid_request',
  /** 404 or an unknown id in our registry. Not retryable. */
  'model_not_found',
  /**
   * The model has reached its end of life (registry `endOfLifeAt`) and `RETIRED_MODELS=refuse`,
   * or no successor is served. Raised by the registry, never by a provider. Not retryable.
   */
  'model_retired',
  /** The provider refused the content. Not retryable. */
  'content_filtered',
  /** The caller's AbortSignal fired. Not retryable: nobody is waiting any more. */
  'cancelled',
  /**
   * Out of credit or over a spend cap: OpenAI 429 `insufficient_quota`, Anthropic 402
   * `billing_error` and 429 `enforced_spend_limit_reached`, DeepSeek 402. Retrying cannot help.
   */
  'insufficient_quota',
]);
export type ProviderErrorKind = z.infer<typeof ProviderErrorKind>;

const RETRYABLE_KINDS: ReadonlySet<ProviderErrorKind> = new Set([
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'network',
]);

/** Whether a kind is retryable by default: transient capacity, server and transport failures. */
export function isRetryableKind(kind: ProviderErrorKind): boolean {
  return RETRYABLE_KINDS.has(kind);
}

/** Token counts behind a `token_limit_exceeded` refusal made before calling the provider. */
export const TokenBudget = z.object({
  promptTokens: z.number().int().nonnegative(),
  maxOutputTokens: z.number().int().nonnegative(),
  contextWindow: z.number().int().positive(),
});
export type TokenBudget = z.infer<typeof TokenBudget>;

/** What crosses Redis and lands in `ai_requests.error_code` / the DLQ payload. Never holds a key. */
export const ProviderErrorData = z.object({
  name: z.literal('ProviderError'),
  kind: ProviderErrorKind,
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().nonnegative().optional(),
  status: z.number().int().optional(),
  /** The provider's own error type or code, e.g. `rate_limit_exceeded`, `overloaded_error`. */
  providerCode: z.string().optional(),
  requestId: z.string().optional(),
  provider: z.enum(['openai', 'anthropic', 'deepseek']).optional(),
  tokenBudget: TokenBudget.optional(),
  /** For `model_not_found` raised by the registry: the ids it does know. */
  knownModels: z.array(z.string()).optional(),
  /** For `model_retired`: the successor to ask for instead. */
  replacement: z.string().optional(),
});
export type ProviderErrorData = z.infer<typeof ProviderErrorData>;

/** Constructor input: the data fields, with `retryable` defaulting from the kind. */
export type ProviderErrorInit = Omit<ProviderErrorData, 'name' | 'retryable'> & {
  retryable?: boolean | undefined;
  /** Keep only sanitized errors here (see `sanitizeCause`); the SDK's own error may hold headers. */
  cause?: Error | undefined;
};

/** The one error every provider call fails with (house style R9). */
export class ProviderError extends Error {
  private readonly [marker] = true;
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  /** How long the provider asked us to wait, from `retry-after-ms`, `retry-after` or reset headers. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly providerCode: string | undefined;
  readonly requestId: string | undefined;
  readonly provider: ProviderErrorData['provider'];
  readonly tokenBudget: TokenBudget | undefined;
  readonly knownModels: readonly string[] | undefined;
  readonly replacement: string | undefined;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.retryable = init.retryable ?? RETRYABLE_KINDS.has(init.kind);
    this.retryAfterMs = init.retryAfterMs;
    this.status = init.status;
    this.providerCode = init.providerCode;
    this.requestId = init.requestId;
    this.provider = init.provider;
    this.tokenBudget = init.tokenBudget;
    this.knownModels = init.knownModels;
    this.replacement = init.replacement;
  }

  /** True for any ProviderError, even one from another copy of this package (Symbol.for marker). */
  static isInstance(error: unknown): error is ProviderError {
    return typeof error === 'object' && error !== null && marker in error;
  }

  /** Rebuilds an error from its serialized form, e.g. after it crossed Redis. */
  static fromJSON(data: unknown): ProviderError {
    const { name: _name, ...init } = ProviderErrorData.parse(data);
    return new ProviderError(init);
  }

  /** Plain data, validated by {@link ProviderErrorData}. Holds no cause, headers or stack. */
  toJSON(): ProviderErrorData {
    const data: ProviderErrorData = {
      name: 'ProviderError',
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.retryAfterMs !== undefined) data.retryAfterMs = this.retryAfterMs;
    if (this.status !== undefined) data.status = this.status;
    if (this.providerCode !== undefined) data.providerCode = this.providerCode;
    if (this.requestId !== undefined) data.requestId = this.requestId;
    if (this.provider !== undefined) data.provider = this.provider;
    if (this.tokenBudget !== undefined) data.tokenBudget = { ...this.tokenBudget };
    if (this.knownModels !== undefined) data.knownModels = [...this.knownModels];
    if (this.replacement !== undefined) data.replacement = this.replacement;
    return data;
  }
}
