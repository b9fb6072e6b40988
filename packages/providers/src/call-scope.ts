import type { CallOptions } from './provider.js';

/** Why a call scope was aborted: the caller's signal, our deadline timer, or neither (yet). */
export type AbortCause = 'cancelled' | 'timeout' | undefined;

/** One provider call's cancellation: the caller's signal and the deadline, merged. */
export interface CallScope {
  /** Pass to the SDK. Aborts when the caller aborts, when the deadline passes, or on `close()`. */
  readonly signal: AbortSignal;
  /** Milliseconds left until the deadline when the scope opened (at least 1). */
  readonly remainingMs: number;
  /** Which of the two fired first. Read it after the SDK call fails or returns early. */
  cause(): AbortCause;
  /** Hands the response headers to the caller's `onResponseHeaders`; never throws. */
  reportHeaders(headers: Headers | undefined): void;
  /** Clears the timer and aborts the request if it is still open (e.g. the consumer stopped early). */
  close(): void;
}

/**
 * Opens a scope for one call. The deadline is enforced by our own timer, not the SDK's `timeout`,
 * so `timeout` (our deadline) stays distinct from `cancelled` (the caller's signal).
 */
export function openCallScope(
  { signal, deadlineAt, onResponseHeaders }: CallOptions,
  now = Date.now(),
): CallScope {
  const controller = new AbortController();
  let cause: AbortCause;
  const abort = (reason: Exclude<AbortCause, undefined>) => {
    if (controller.signal.aborted) return;
    cause = reason;
    controller.abort(reason);
  };
  const onCallerAbort = () => abort('cancelled');
  const remainingMs = Math.max(1, deadlineAt - now);
  const timer = setTimeout(() => abort('timeout'), remainingMs);
  if (signal.aborted) abort('cancelled');
  else if (deadlineAt <= now) abort('timeout');
  else signal.addEventListener('abort', onCallerAbort, { once: true });

  return {
    signal: controller.signal,
    remainingMs,
    cause: () => cause,
    reportHeaders(headers) {
      if (headers === undefined || onResponseHeaders === undefined) return;
      try {
        onResponseHeaders(headers);
      } catch {
        // The caller's bookkeeping must never fail the call it observes.
      }
    },
    close() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onCallerAbort);
      if (!controller.signal.aborted) controller.abort('closed');
    },
  };
}
