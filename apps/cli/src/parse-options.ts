import { InvalidArgumentError } from 'commander';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * A duration as operators type it (`30m`, `1h`, `2d`, `7d`; also `s` and `w`), in milliseconds.
 * @throws InvalidArgumentError, which commander prints with the option's name
 */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (match === null) {
    throw new InvalidArgumentError('expected a number and a unit: 30m, 1h, 2d, 7d (s, m, h, d, w)');
  }
  const [, amount = '', unit = 's'] = match;
  const ms = Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (ms <= 0) throw new InvalidArgumentError('expected a duration above zero');
  return ms;
}

/** A rate per second: `50/s` or `50`. @throws InvalidArgumentError */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  const rate = Number(match?.[1]);
  if (match === null || !(rate > 0)) {
    throw new InvalidArgumentError('expected tasks per second above zero: 50/s or 50');
  }
  return rate;
}

/** A whole number, at least `min`. @throws InvalidArgumentError */
export function parseCount(min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      throw new InvalidArgumentError(`expected a whole number from ${min}`);
    }
    return value;
  };
}

/** The statuses a bulk retry reopens, given as repeated options or a comma list. */
export const RETRYABLE_STATUSES = ['failed', 'timeout'] as const;
export type RetryableStatus = (typeof RETRYABLE_STATUSES)[number];

/** Collects `--status failed --status timeout` and `--status failed,timeout`. @throws InvalidArgumentError */
export function collectStatuses(
  text: string,
  previous: RetryableStatus[] | undefined,
): RetryableStatus[] {
  const statuses = text.split(',').map((status) => status.trim());
  for (const status of statuses) {
    if (!(RETRYABLE_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidArgumentError(`expected ${RETRYABLE_STATUSES.join(' or ')}`);
    }
  }
  return [...new Set([...(previous ?? []), ...(statuses as RetryableStatus[])])];
}
