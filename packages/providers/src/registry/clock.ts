/**
 * The current time as epoch milliseconds. Code that compares dates (a model's end of life) takes
 * one from its composition root instead of reading `Date.now()`, so tests can fix the date.
 */
export type Clock = () => number;

/** The machine's clock. */
export const systemClock: Clock = () => Date.now();

/**
 * A clock stopped at `at`: tests, and `MODELS_AS_OF` rehearsals of a retirement.
 * @throws RangeError when `at` is not a valid date
 */
export function fixedClock(at: number | string | Date): Clock {
  const time = typeof at === 'number' ? at : new Date(at).getTime();
  if (!Number.isFinite(time)) throw new RangeError(`Not a valid date: ${String(at)}`);
  return () => time;
}
