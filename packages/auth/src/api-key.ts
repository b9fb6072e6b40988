import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Every aiq key starts with this, so secret scanners (and people) recognise a leaked one.
 * The rest is 32 random bytes in base64url: 256 bits, far beyond guessing.
 */
export const API_KEY_PREFIX = 'aiq_';
const KEY_PATTERN = /^aiq_[A-Za-z0-9_-]{43}$/;
/** How much of a key the ledger keeps in clear, to tell keys apart in listings. */
const DISPLAY_LENGTH = 12;

/** A newly made key: `key` is shown once and never stored. */
export interface GeneratedApiKey {
  readonly key: string;
  readonly keyHash: string;
  readonly keyPrefix: string;
}

/**
 * SHA-256 of the key. A fast hash is right here: the key is 256 random bits, so there is no
 * dictionary to slow down, and every request verifies one.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): GeneratedApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, keyHash: hashApiKey(key), keyPrefix: key.slice(0, DISPLAY_LENGTH) };
}

/** Shape check before any database work, so garbage never costs a query. */
export function looksLikeApiKey(candidate: string): boolean {
  return KEY_PATTERN.test(candidate);
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * SHA-256 of keys that were ever published, refused even where a ledger still holds them: the
 * development key every `pnpm start` once inserted, printed in aiq's README. `pnpm start` now
 * makes a random one per checkout (scripts/development-key.ts).
 */
const PUBLISHED_KEY_HASHES: ReadonlySet<string> = new Set([
  '95ac99fd56e844af0a454cd0794af540ef39a64b83e1f0d26703135b0673f1fc',
]);

/** Whether a key is public knowledge, and so never a credential. */
export function isPublishedKey(key: string): boolean {
  return PUBLISHED_KEY_HASHES.has(hashApiKey(key));
}
