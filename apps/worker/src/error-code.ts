import { ProviderError } from '@aiq/providers';
import type { TaskErrorCode } from '@aiq/queue';

/**
 * The `error_code` aiq records for a failure: the ProviderError kind, the same name the API
 * answers with (a prompt over the window is `token_limit_exceeded` everywhere, which the
 * runbook's `error_code LIKE '%token%'` finds), or a {@link TaskFailedError}'s code. Anything
 * else is `internal_error`.
 */
export function errorCodeOf(error: unknown): TaskErrorCode {
  if (error instanceof TaskFailedError) return error.code;
  return ProviderError.isInstance(error) ? error.kind : 'internal_error';
}

/**
 * A task handler's own final failure, with an aiq code (e.g. `all_candidates_failed`): not
 * retried (the retry policy retries only provider errors that say so, and `internal_error`).
 */
export class TaskFailedError extends Error {
  override readonly name = 'TaskFailedError';
  constructor(
    readonly code: Exclude<TaskErrorCode, 'internal_error'>,
    message: string,
  ) {
    super(message);
  }
}

/** A one-line message for the ledger and events. */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
