/** Median and spread of one side's samples (rounds, or requests pooled over rounds). */
export interface Summary {
  readonly count: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** 25th and 75th percentiles: the interquartile range. */
  readonly p25: number;
  readonly p75: number;
}

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new Error('no samples to summarize');
  if (samples.some((sample) => !Number.isFinite(sample))) {
    throw new Error(`not a finite sample in ${samples.join(', ')}`);
  }
  return [...samples].sort((left, right) => left - right);
}

/**
 * The `p`th percentile (0–100) by linear interpolation between the closest ranks, as numpy's
 * default (`method='linear'`) and Excel's PERCENTILE.INC compute it.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (p < 0 || p > 100) throw new Error(`percentile must be 0–100, got ${p}`);
  const values = sorted(samples);
  const rank = (p / 100) * (values.length - 1);
  const below = Math.floor(rank);
  const lower = values[below] ?? 0;
  const upper = values[Math.min(below + 1, values.length - 1)] ?? lower;
  return lower + (upper - lower) * (rank - below);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function summarize(samples: readonly number[]): Summary {
  const values = sorted(samples);
  return {
    count: values.length,
    median: percentile(values, 50),
    min: values[0] ?? 0,
    max: values.at(-1) ?? 0,
    p25: percentile(values, 25),
    p75: percentile(values, 75),
  };
}

/**
 * aiq's figure over the baseline's. Both medians, so one noisy round moves neither much.
 * A zero baseline has no ratio.
 */
export function ratio(aiq: number, baseline: number): number | null {
  return baseline === 0 ? null : aiq / baseline;
}
