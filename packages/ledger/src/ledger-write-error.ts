/** What a failed ledger write says about itself, safe to log. */
export interface LedgerWriteFailure {
  /**
   * The SQLSTATE when Postgres answered (`22P05`), else the driver's or the system's code
   * (`ECONNREFUSED`, `CONNECT_TIMEOUT`); `unknown` when there is none.
   */
  readonly code: string;
  /**
   * The rows themselves are at fault and will fail again however often they are retried:
   * SQLSTATE class 22 (data exception) or 23 (integrity constraint violation). Anything else
   * is taken for an outage and retried, as BullMQ and Sidekiq retry all but unrecoverable errors.
   */
  readonly permanent: boolean;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const PERMANENT_CLASSES = new Set(['22', '23']);

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Classifies a failed write by its code only. drizzle wraps the driver's error (`cause`) in one
 * whose message is the query with all its parameters, and the driver's error carries them too:
 * that text (prompts, responses) must never be logged, so only the code leaves this function.
 */
export function classifyWriteFailure(error: unknown): LedgerWriteFailure {
  let code: string | undefined;
  // The innermost code is the server's or the socket's own; wrappers rarely carry one.
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    code = codeOf(current) ?? code;
    current =
      typeof current === 'object' && current !== null && 'cause' in current
        ? current.cause
        : undefined;
  }
  if (code === undefined) return { code: 'unknown', permanent: false };
  const permanent = SQLSTATE.test(code) && PERMANENT_CLASSES.has(code.slice(0, 2));
  return { code, permanent };
}
