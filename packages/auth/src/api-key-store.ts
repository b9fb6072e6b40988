import { and, eq, isNull } from 'drizzle-orm';
import { apiKeys, users, type ApiKeyRole, type Database } from '@aiq/db';
import {
  generateApiKey,
  hashApiKey,
  hashesEqual,
  isPublishedKey,
  looksLikeApiKey,
} from './api-key.js';
import { keyCache } from './key-cache.js';
import type { Principal } from './principal.js';

export type { Principal } from './principal.js';

export interface CreatedApiKey {
  /** Shown once; only its hash is stored. */
  readonly key: string;
  readonly keyId: string;
  readonly keyPrefix: string;
  readonly userId: string;
  readonly role: ApiKeyRole;
}

/** Creates the user if new and a key for them. */
export async function createApiKey(
  database: Database,
  { userId, role = 'user', userName }: { userId: string; role?: ApiKeyRole; userName?: string },
): Promise<CreatedApiKey> {
  const generated = generateApiKey();
  await database.db
    .insert(users)
    .values({ id: userId, ...(userName === undefined ? {} : { name: userName }) })
    .onConflictDoNothing();
  const [row] = await database.db
    .insert(apiKeys)
    .values({ userId, role, keyHash: generated.keyHash, keyPrefix: generated.keyPrefix })
    .returning({ id: apiKeys.id });
  if (!row) throw new Error('api key insert returned no row');
  keyCache.forgetAll(database);
  return { key: generated.key, keyId: row.id, keyPrefix: generated.keyPrefix, userId, role };
}

/**
 * Inserts a key whose value is known in advance (the development key `pnpm start` keeps under
 * DATA_DIR), unless it exists already.
 */
export async function ensureApiKey(
  database: Database,
  { key, userId, role }: { key: string; userId: string; role: ApiKeyRole },
): Promise<void> {
  await database.db.insert(users).values({ id: userId }).onConflictDoNothing();
  await database.db
    .insert(apiKeys)
    .values({ userId, role, keyHash: hashApiKey(key), keyPrefix: key.slice(0, 12) })
    .onConflictDoNothing({ target: apiKeys.keyHash });
  keyCache.forgetAll(database);
}

/**
 * The principal behind a key, or undefined for a malformed, unknown or revoked one. Answers
 * are kept in memory (a bounded LRU, both valid and unknown keys), so a busy client costs no
 * query per request. Each process checks about once a second whether any key was created,
 * revoked or deleted (`KEY_CHANGES_CHECK_MS`) and then forgets every answer: a
 * revocation anywhere takes effect everywhere within that second, and at once in the process
 * that revoked.
 * @param now - a monotonic clock in ms (tests)
 */
export async function verifyApiKey(
  database: Database,
  key: string,
  now?: number,
): Promise<Principal | undefined> {
  if (!looksLikeApiKey(key) || isPublishedKey(key)) return undefined;
  const keyHash = hashApiKey(key);
  const cached = await keyCache.lookup(database, keyHash, now);
  if (cached.answer !== undefined) return cached.answer ?? undefined;
  const [row] = await database.db
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      role: apiKeys.role,
      keyHash: apiKeys.keyHash,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  const principal =
    row !== undefined && hashesEqual(row.keyHash, keyHash)
      ? { userId: row.userId, role: row.role, keyId: row.id }
      : undefined;
  keyCache.remember(database, keyHash, principal, cached.generation);
  return principal;
}

/** Revokes a key by id; later requests with it get 401. */
export async function revokeApiKey(database: Database, keyId: string): Promise<boolean> {
  const rows = await database.db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  keyCache.forgetAll(database);
  return rows.length > 0;
}
