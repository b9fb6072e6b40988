/** Redis's refusal, bare (`OOM command not allowed…`) or raised inside a Lua script (`-OOM …`). */
const OUT_OF_MEMORY = /(^|-)OOM command not allowed/;

/**
 * True when `error` is Redis refusing a write at its `maxmemory` under `noeviction` ("OOM
 * command not allowed…"): as the error itself, one of its causes, an error of a `MULTI` that
 * Redis discarded (`EXECABORT`, the refusals in `previousErrors`), or raised by a script. Nothing
 * was written, and nothing is wrong with the request or the job: the same command succeeds once
 * memory is freed, so callers wait it out (the API answers 503, a worker hands the job back
 * uncharged) rather than fail. Only Redis's own replies count: a provider's message that starts
 * with "OOM" must not make a job be handed back forever.
 */
export function isRedisOutOfMemory(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  // By name, as ioredis's `ReplyError` (from redis-errors) names itself: any copy of ioredis.
  if (error.name === 'ReplyError' && OUT_OF_MEMORY.test(error.message)) return true;
  const { previousErrors } = error as { previousErrors?: unknown };
  if (Array.isArray(previousErrors)) {
    if (previousErrors.some((previous) => isRedisOutOfMemory(previous, depth + 1))) return true;
  }
  return isRedisOutOfMemory(error.cause, depth + 1);
}
