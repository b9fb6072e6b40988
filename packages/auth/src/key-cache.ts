import { count, type SQL } from 'drizzle-orm';
import { apiKeys, type Database } from '@aiq/db';
import { LRUCache } from 'lru-cache';
import type { Principal } from './principal.js';

/**
 * How often a process asks Postgres whether any key was created, revoked or deleted since it
 * last asked (one cheap query, made by the request that finds the answer stale): a key revoked
 * by `aiq keys revoke` or by hand stops working everywhere within this, and a new key works.
 */
export const KEY_CHANGES_CHECK_MS = 1_000;
/** A backstop for changes the check cannot see (a key's role edited by hand). */
const PRINCIPAL_TTL_MS = 30_000;
/** Bounds the memory of a client cycling through many keys: about 1 MB of hashes at most. */
const MAX_ENTRIES = 10_000;

interface KeyCache {
  /** Keys found and valid, by hash. */
  readonly principals: LRUCache<string, Principal>;
  /** Well-formed keys found in no valid row, by hash: retrying a wrong key costs no query. */
  readonly unknown: LRUCache<string, true>;
  /** What the table looked like at the last check: rows, and rows revoked. */
  fingerprint: string | undefined;
  /** Bumped whenever the cache is emptied: a lookup begun before must not refill it. */
  generation: number;
  checkedAt: number;
  checking: Promise<void> | undefined;
}

// One cache per database handle, so tests (and a process with two databases) do not share one.
const caches = new WeakMap<Database, KeyCache>();

function cacheOf(database: Database): KeyCache {
  let cache = caches.get(database);
  if (cache === undefined) {
    cache = {
      principals: new LRUCache({ max: MAX_ENTRIES, ttl: PRINCIPAL_TTL_MS }),
      unknown: new LRUCache({ max: MAX_ENTRIES, ttl: PRINCIPAL_TTL_MS }),
      fingerprint: undefined,
      generation: 0,
      checkedAt: Number.NEGATIVE_INFINITY,
      checking: undefined,
    };
    caches.set(database, cache);
  }
  return cache;
}

async function readFingerprint(database: Database): Promise<string> {
  const revoked: SQL<number> = count(apiKeys.revokedAt);
  const [row] = await database.db.select({ keys: count(), revoked }).from(apiKeys);
  return `${row?.keys ?? 0}/${row?.revoked ?? 0}`;
}

function empty(cache: KeyCache): void {
  cache.principals.clear();
  cache.unknown.clear();
  cache.generation += 1;
}

/** A cached answer for a key hash, and the cache's generation to remember a fresh one under. */
export interface CachedKey {
  /** Its principal, `null` for a key known not to be valid, undefined: ask the database. */
  readonly answer: Principal | null | undefined;
  readonly generation: number;
}

/**
 * Empties the cache when the table changed since the last check (at most one query per
 * {@link KEY_CHANGES_CHECK_MS}; concurrent requests share it).
 */
async function freshen(database: Database, cache: KeyCache, now: number): Promise<void> {
  if (now - cache.checkedAt < KEY_CHANGES_CHECK_MS) return;
  cache.checking ??= readFingerprint(database)
    .then((fingerprint) => {
      if (fingerprint !== cache.fingerprint) {
        empty(cache);
        cache.fingerprint = fingerprint;
      }
      cache.checkedAt = now;
    })
    // Postgres unreachable: answer from what is known (a key not cached is looked up, and that
    // lookup fails the request as before); the next request asks again.
    .catch(() => undefined)
    .finally(() => {
      cache.checking = undefined;
    });
  await cache.checking;
}

/**
 * The verified keys of a process, by hash. Answers come from memory between checks of the
 * table; a change made in this process (create, revoke) applies at once.
 */
export const keyCache = {
  async lookup(
    database: Database,
    keyHash: string,
    now: number = performance.now(),
  ): Promise<CachedKey> {
    const cache = cacheOf(database);
    await freshen(database, cache, now);
    const principal = cache.principals.get(keyHash);
    const answer = principal ?? (cache.unknown.has(keyHash) ? null : undefined);
    return { answer, generation: cache.generation };
  },
  /** Keeps what the database said, unless the cache was emptied since the lookup. */
  remember(
    database: Database,
    keyHash: string,
    principal: Principal | undefined,
    generation: number,
  ): void {
    const cache = cacheOf(database);
    if (generation !== cache.generation) return;
    if (principal === undefined) cache.unknown.set(keyHash, true);
    else cache.principals.set(keyHash, principal);
  },
  /** A key created or revoked here: every cached answer of this process is dropped. */
  forgetAll(database: Database): void {
    empty(cacheOf(database));
  },
};
