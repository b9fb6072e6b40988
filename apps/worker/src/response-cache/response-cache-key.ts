import { createHash } from 'node:crypto';
import type { ChatMessage } from '@aiq/providers';

/**
 * Bumped whenever what goes into the key or the stored value changes: entries written by an
 * older worker are then simply never read again (and expire with their TTL).
 */
const KEY_VERSION = 'v1';

/** What decides a generation's text: the model that runs and every parameter sent to it. */
export interface CacheableRequest {
  /** The model that runs (a retired model's successor, not the one asked for). */
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  /** The output budget actually sent to the provider. */
  readonly maxOutputTokens: number;
  readonly temperature?: number | undefined;
}

/**
 * Whether a generation uses the response cache: `cache: true` opts in, `cache: false` opts out,
 * and absent it is on only at temperature 0, the one setting that asks for a repeatable answer.
 * A TTL of 0 turns the cache off for everyone.
 */
export function responseCacheWanted(
  request: { readonly cache?: boolean | undefined; readonly temperature?: number | undefined },
  ttlMs: number,
): boolean {
  if (ttlMs <= 0) return false;
  return request.cache ?? request.temperature === 0;
}

/**
 * The cache key of a request: a versioned sha256 over the model, the messages (role and content
 * only) and the parameters sent. Hashed, so prompts never appear in Redis key names.
 */
export function responseCacheKey(request: CacheableRequest): string {
  const canonical = JSON.stringify([
    KEY_VERSION,
    request.model,
    request.messages.map((message) => [message.role, message.content]),
    request.maxOutputTokens,
    request.temperature ?? null,
  ]);
  return `${KEY_VERSION}:${createHash('sha256').update(canonical).digest('hex')}`;
}
