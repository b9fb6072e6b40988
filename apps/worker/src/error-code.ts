import { ProviderError } from '@aiq/providers';
import type { TaskErrorCode } from '@aiq/queue';

/**
 * The `error_code` aiq records for a failure: the ProviderError kind, the same name the API
 * answers with (a prompt over the window is `token_limit_exceeded` everywhere, which the
 * runbook's `error_code LIKE '%token%'` finds). Anything else is `internal_error`.
 */
export function errorCodeOf(error: unknown): TaskErrorCode {
  return ProviderError.isInstance(error) ? error.kind : 'internal_error';
}

/** A one-line message for the ledger and events. */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
