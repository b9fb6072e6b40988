import type { Redis } from 'ioredis';
import { z } from 'zod';

/** One cached answer: what the original provider call returned. */
export const CachedResponse = z.object({
  text: z.string(),
  /** The model that wrote it (as the provider named it). */
  model: z.string(),
  /** The provider's own finish reason, as `ai_requests.finish_reason` keeps it. */
  finishReason: z.string(),
  /** The shared vocabulary's: only whole answers are kept. */
  finish: z.enum(['stop', 'length']),
  usage: z
    .object({
      inputTokens: z.number().int().nonnegative(),
      outputTokens: z.number().int().nonnegative(),
    })
    .nullable(),
});
export type CachedResponse = z.infer<typeof CachedResponse>;

/** The Redis key of an answer. */
function cachedResponseKey(prefix: string, key: string): string {
  return `${prefix}:response-cache:${key}`;
}

/**
 * The answer stored under `key`, if any. An entry that does not parse (written by another
 * version, or damaged) is a miss, never an error: the provider is asked instead.
 */
export async function readCachedResponse(
  redis: Redis,
  prefix: string,
  key: string,
): Promise<CachedResponse | undefined> {
  const stored = await redis.get(cachedResponseKey(prefix, key));
  if (stored === null) return undefined;
  try {
    const parsed = CachedResponse.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Stores an answer for `ttlMs`. Only whole answers reach here (see `isCacheableFinish`). */
export async function storeCachedResponse(
  redis: Redis,
  prefix: string,
  key: string,
  { response, ttlMs }: { response: CachedResponse; ttlMs: number },
): Promise<void> {
  await redis.set(cachedResponseKey(prefix, key), JSON.stringify(response), 'PX', ttlMs);
}

/**
 * A finish worth repeating: the model ended on its own (`stop`) or at the output budget, which
 * is part of the key (`length`). A content-filtered, errored or other ending is never cached.
 */
export function isCacheableFinish(unified: string): unified is CachedResponse['finish'] {
  return unified === 'stop' || unified === 'length';
}
