import { and, eq, isNull } from 'drizzle-orm';
import { apiKeys, users, type ApiKeyRole, type Database } from '@aiq/db';
import {
  generateApiKey,
  hashApiKey,
  hashesEqual,
  isPublishedKey,
  looksLikeApiKey,
} from './api-key.js';
import { unknownKeys } from './unknown-key-cache.js';

/** Who a request is, once its key checks out. */
export interface Principal {
  readonly userId: string;
  readonly role: ApiKeyRole;
  readonly keyId: string;
}

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
  unknownKeys.forget(database, generated.keyHash);
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
  unknownKeys.forget(database, hashApiKey(key));
}

/**
 * The principal behind a key, or undefined for a malformed, unknown or revoked one. A well-formed
 * key found in no row is remembered for a few seconds (a bounded LRU), so repeating it costs no
 * query; one created in this process meanwhile is forgotten there at once, and in other
 * processes after the TTL (5 s).
 */
export async function verifyApiKey(
  database: Database,
  key: string,
): Promise<Principal | undefined> {
  if (!looksLikeApiKey(key) || isPublishedKey(key)) return undefined;
  const keyHash = hashApiKey(key);
  if (unknownKeys.has(database, keyHash)) return undefined;
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
  if (!row || !hashesEqual(row.keyHash, keyHash)) {
    unknownKeys.add(database, keyHash);
    return undefined;
  }
  return { userId: row.userId, role: row.role, keyId: row.id };
}

/** Revokes a key by id; later requests with it get 401. */
export async function revokeApiKey(database: Database, keyId: string): Promise<boolean> {
  const rows = await database.db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}
