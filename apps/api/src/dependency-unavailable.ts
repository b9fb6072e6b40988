/**
 * Error codes and messages of a Redis or Postgres that cannot be reached right now: refused or
 * dropped connections, connect timeouts, ioredis's fail-fast producer refusing to queue a
 * command while disconnected, a Redis Cluster failing over (its nodes disagree on a slot's
 * owner, or have none for it, until a replica is promoted), and postgres-js's connection codes.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
]);

const CONNECTION_MESSAGES = [
  /enableOfflineQueue/,
  /Connection is closed/,
  /Reached the max retries per request limit/,
  /Task event subscription is not ready/,
  /Stream isn't writeable/,
  /Too many Cluster redirections/,
  /CLUSTERDOWN/,
  /Failed to refresh slots cache/,
];

/** Which dependency failed, when `error` (or one of its causes) is an outage. */
export function dependencyOutage(error: unknown): 'redis' | 'postgres' | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const { message, stack } = current;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) {
      return /redis/i.test(stack ?? '') ? 'redis' : 'postgres';
    }
    if (CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return 'redis';
    current = current.cause;
  }
  return undefined;
}
