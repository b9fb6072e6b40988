import type { Database } from '@aiq/db';
import { LRUCache } from 'lru-cache';

/**
 * How long a key hash found in no row is answered "unknown" without asking the database. Short,
 * because another process (`aiq keys create`) may create that key meanwhile; a create in this
 * process forgets the hash at once.
 */
const UNKNOWN_KEY_TTL_MS = 5_000;
/** Bounds the memory of a client cycling through many keys: about 1 MB of hashes at most. */
const UNKNOWN_KEY_MAX_ENTRIES = 10_000;

// One cache per database handle, so tests (and a process with two databases) do not share one.
const caches = new WeakMap<Database, LRUCache<string, true>>();

function cacheOf(database: Database): LRUCache<string, true> {
  let cache = caches.get(database);
  if (cache === undefined) {
    cache = new LRUCache<string, true>({
      max: UNKNOWN_KEY_MAX_ENTRIES,
      ttl: UNKNOWN_KEY_TTL_MS,
      ttlAutopurge: false,
    });
    caches.set(database, cache);
  }
  return cache;
}

/**
 * Key hashes recently found in no row (unknown or revoked): a client retrying with a wrong key
 * costs one query per {@link UNKNOWN_KEY_TTL_MS}, not one per request. Only absence is cached,
 * never a principal, so a revocation takes effect on the next request.
 */
export const unknownKeys = {
  has: (database: Database, keyHash: string): boolean => cacheOf(database).has(keyHash),
  add: (database: Database, keyHash: string): void => void cacheOf(database).set(keyHash, true),
  /** Called when a key is created, so it works at once in this process. */
  forget: (database: Database, keyHash: string): void => void cacheOf(database).delete(keyHash),
};
