import { ProviderError } from '@aiq/providers';

/**
 * The `error_code` aiq records for a failure: the ProviderError kind, with one exception.
 * A prompt over the model's window (`context_length_exceeded`) is recorded as
 * `token_limit_exceeded`, because the runbook finds token-limit failures with
 * `error_code LIKE '%token%'` (failure mode 3, "Check Request Size"). The provider's own code
 * stays in `error_message`. Anything that is not a ProviderError is `internal_error`.
 */
export function errorCodeOf(error: unknown): string {
  if (!ProviderError.isInstance(error)) return 'internal_error';
  return error.kind === 'context_length_exceeded' ? 'token_limit_exceeded' : error.kind;
}

/** A one-line message for the ledger and events. */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
