import type { Redis } from 'ioredis';
import { z } from 'zod';
import { disabledKey } from './routing-keys.js';

/** Why a provider or model is switched off: the value of its field in the disabled hash. */
export const DisabledFlag = z.object({
  reason: z.string(),
  /** Who switched it off (an operator's user id). */
  actor: z.string(),
  /** Epoch ms. */
  at: z.number(),
});
export type DisabledFlag = z.infer<typeof DisabledFlag>;

/**
 * Switches a provider (`openai`) or a model id off, fleet-wide: every routing decision reads
 * the flag from Redis (in the same script as the circuits), so the next attempt anywhere sees it.
 * @returns false when it was off already (the flag is replaced: the newest reason wins)
 */
export async function disableTarget(
  redis: Redis,
  prefix: string,
  target: string,
  flag: DisabledFlag,
): Promise<boolean> {
  const added = await redis.hset(disabledKey(prefix), target, JSON.stringify(flag));
  return added === 1;
}

/** Switches a provider or model back on. @returns false when it was not off. */
export async function enableTarget(redis: Redis, prefix: string, target: string): Promise<boolean> {
  return (await redis.hdel(disabledKey(prefix), target)) === 1;
}

/** Every switched-off provider and model; a field that does not parse reads as disabled, reason unknown. */
export async function readDisabled(
  redis: Redis,
  prefix: string,
): Promise<ReadonlyMap<string, DisabledFlag>> {
  const fields = await redis.hgetall(disabledKey(prefix));
  return parseDisabled(fields);
}

/** The disabled hash's fields as flags. */
export function parseDisabled(fields: Record<string, string>): ReadonlyMap<string, DisabledFlag> {
  const flags = new Map<string, DisabledFlag>();
  for (const [target, value] of Object.entries(fields)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    const flag = DisabledFlag.safeParse(parsed);
    flags.set(target, flag.success ? flag.data : { reason: 'unknown', actor: 'unknown', at: 0 });
  }
  return flags;
}
