import { ProviderErrorKind } from '@aiq/providers';
import { z } from 'zod';

/** aiq's own failure codes, beside the provider kinds. */
export const AIQ_ERROR_CODES = [
  /** A bug or an unexpected error in aiq or a task handler. */
  'internal_error',
  /** The worker stopped before the attempt ended and the task could not be handed back. */
  'worker_shutdown',
  /** The queue did not accept the job at submission: the caller was told 503. */
  'not_enqueued',
  /** No handler is registered for the task's type on the worker. */
  'unknown_task_type',
  /**
   * The model's provider or the model is disabled or its circuit open, no model of the fallback
   * chain is available, and the task's deadline came before one was.
   */
  'provider_unavailable',
  /** A fallback model is available but its context window cannot hold the prompt and output. */
  'fallback_context_exceeded',
  /** Every candidate of an `ai_ensemble` task failed (each candidate's error is in the result). */
  'all_candidates_failed',
] as const;

/**
 * Every code a failed task or attempt is recorded with, from the provider to the client: the
 * `error` event, `background_tasks.error_code`, `ai_requests.error_code`, dead-letter entries and
 * the API. A prompt over the window is `token_limit_exceeded` everywhere (the runbook's
 * `error_code LIKE '%token%'` finds it); `/v1` answers it in OpenAI's `context_length_exceeded`.
 */
export const TaskErrorCode = z.enum([...ProviderErrorKind.options, ...AIQ_ERROR_CODES]);
export type TaskErrorCode = z.infer<typeof TaskErrorCode>;

/** Codes retrying cannot help with: a bulk retry skips them unless told otherwise. */
export const NON_RETRYABLE_CODES: ReadonlySet<TaskErrorCode> = new Set<TaskErrorCode>([
  'auth',
  'permission',
  'insufficient_quota',
  'content_filtered',
  'invalid_request',
  'token_limit_exceeded',
  'model_not_found',
  'model_retired',
  'unknown_task_type',
  'fallback_context_exceeded',
]);
