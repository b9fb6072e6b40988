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
 * A short-lived, single-use token that opens one task's event stream, for browsers' EventSource
 * (it cannot send an Authorization header, and an API key must never travel in a URL).
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

/** Consumes a token (GETDEL: a second use finds nothing); `undefined` if unknown or expired. */
export async function redeemStreamToken(
  redis: Redis,
  prefix: string,
  token: string,
): Promise<StreamTokenGrant | undefined> {
  const stored = await redis.getdel(tokenKey(prefix, token));
  if (stored === null) return undefined;
  const parsed = StreamTokenGrant.safeParse(JSON.parse(stored));
  return parsed.success ? parsed.data : undefined;
}
