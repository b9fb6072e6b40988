import type { ProviderName } from '../provider.js';
import type { ProviderErrorKind } from '../provider-error.js';

/** What one mock fault must turn into, per the providers' documentation. */
export interface FaultExpectation {
  /** The mock-llm fault grammar (`rate_limit retry_after=2`). */
  readonly fault: string;
  readonly kinds: readonly ProviderErrorKind[];
  readonly retryable: boolean;
  /** Expected `retryAfterMs`; `'some'` means any positive value from the reset headers. */
  readonly retryAfterMs?: number | 'some' | undefined;
  /** True when tokens stream before the fault strikes. */
  readonly midStream?: boolean;
  /** Only these providers document the fault. */
  readonly only?: readonly ProviderName[];
}

/** HTTP-level and stream faults, and the normalized error each must become. */
export const FAULT_EXPECTATIONS: readonly FaultExpectation[] = [
  {
    fault: 'rate_limit retry_after=2',
    kinds: ['rate_limited'],
    retryable: true,
    retryAfterMs: 2000,
  },
  {
    fault: 'rate_limit retry_after=3 retry_after_ms=1500',
    kinds: ['rate_limited'],
    retryable: true,
    retryAfterMs: 1500,
  },
  // No retry-after: OpenAI and Anthropic still send their reset headers; DeepSeek sends none.
  {
    fault: 'rate_limit retry_after=none',
    kinds: ['rate_limited'],
    retryable: true,
    retryAfterMs: 'some',
    only: ['openai', 'anthropic'],
  },
  { fault: 'server_error', kinds: ['server_error'], retryable: true },
  { fault: 'bad_gateway', kinds: ['server_error'], retryable: true },
  { fault: 'service_unavailable', kinds: ['overloaded', 'server_error'], retryable: true },
  { fault: 'overloaded', kinds: ['overloaded'], retryable: true },
  {
    fault: 'server_error retry_after=4',
    kinds: ['server_error'],
    retryable: true,
    retryAfterMs: 4000,
  },
  { fault: 'permission_denied', kinds: ['permission'], retryable: false },
  { fault: 'insufficient_balance', kinds: ['insufficient_quota'], retryable: false },
  { fault: 'context_length', kinds: ['token_limit_exceeded'], retryable: false },
  { fault: 'model_not_found', kinds: ['model_not_found'], retryable: false },
  {
    fault: 'content_filter after=3',
    kinds: ['content_filtered'],
    retryable: false,
    midStream: true,
  },
  {
    fault: 'insufficient_system_resource after=3',
    kinds: ['overloaded'],
    retryable: true,
    midStream: true,
    only: ['deepseek'],
  },
  { fault: 'disconnect after=3', kinds: ['network'], retryable: true, midStream: true },
  { fault: 'malformed_sse after=3', kinds: ['server_error'], retryable: true, midStream: true },
  {
    fault: 'stream_error after=3',
    kinds: ['server_error', 'overloaded'],
    retryable: true,
    midStream: true,
  },
];
