import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Who a stream token stands for. */
export const StreamTokenGrant = z.object({
  taskId: z.string(),
  userId: z.string(),
  role: z.enum(['user', 'operator']),
  keyId: z.string(),
});
export type StreamTokenGrant = z.infer<typeof StreamTokenGrant>;

/** Only a hash is stored, so a Redis dump does not hold usable tokens. */
function tokenKey(prefix: string, token: string): string {
  return `${prefix}:stream-token:${createHash('sha256').update(token).digest('hex')}`;
}

/**
 * A short-lived token that opens one task's event stream, for browsers' EventSource (it cannot
 * send an Authorization header, and an API key must never travel in a URL). It must be used
 * within `ttlSeconds`; after that, each stream opened with it keeps it alive while open and for a
 * grace period after it closes (see {@link holdStreamToken}), so EventSource's own reconnect,
 * which repeats the same URL with `Last-Event-ID`, can resume the stream.
 */
export async function createStreamToken(
  redis: Redis,
  prefix: string,
  grant: StreamTokenGrant,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = `aiqst_${randomBytes(24).toString('base64url')}`;
  await redis.set(tokenKey(prefix, token), JSON.stringify(grant), 'EX', ttlSeconds);
  return { token, expiresAt: new Date(Date.now() + ttlSeconds * 1_000) };
}

/** A live token's grant and its Redis key (to hold it); `undefined` if unknown or expired. */
export async function redeemStreamToken(
  redis: Redis,
  prefix: string,
  token: string,
): Promise<{ grant: StreamTokenGrant; key: string } | undefined> {
  const key = tokenKey(prefix, token);
  const stored = await redis.get(key);
  if (stored === null) return undefined;
  const parsed = StreamTokenGrant.safeParse(JSON.parse(stored));
  return parsed.success ? { grant: parsed.data, key } : undefined;
}

/**
 * Keeps a redeemed token alive for `ms` from now (never revives one that expired). A stream
 * holds it for its slot's lease plus the grace while open, and for the grace once closed: the
 * token dies a grace period after the last stream it opened ends (the task's end included).
 */
export async function holdStreamToken(redis: Redis, key: string, ms: number): Promise<void> {
  await redis.pexpire(key, ms);
}
