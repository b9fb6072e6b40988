/**
 * True when `error` (or one of its causes) is Redis refusing a write at its `maxmemory` under
 * `noeviction` ("OOM command not allowed…"). Nothing was written, and nothing is wrong with the
 * request or the job: the same command succeeds once memory is freed, so callers wait it out
 * (the API answers 503, a worker hands the job back uncharged) rather than fail.
 */
export function isRedisOutOfMemory(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current.message.startsWith('OOM ')) return true;
    current = current.cause;
  }
  return false;
}
