import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, summarize } from './stats.js';

describe('bench statistics', () => {
  it('should take the median of odd and even counts, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('should interpolate percentiles between ranks, as numpy does by default', () => {
    const samples = [10, 20, 30, 40, 50];
    expect(percentile(samples, 0)).toBe(10);
    expect(percentile(samples, 25)).toBe(20);
    expect(percentile(samples, 99)).toBeCloseTo(49.6);
    expect(percentile(samples, 100)).toBe(50);
  });

  it('should summarize median, extremes and interquartile range', () => {
    expect(summarize([3, 1, 4, 1, 5])).toEqual({
      count: 5,
      median: 3,
      min: 1,
      max: 5,
      p25: 1,
      p75: 4,
    });
  });

  it('should refuse no samples and samples that are not finite', () => {
    expect(() => median([])).toThrow('no samples');
    expect(() => median([1, Number.NaN])).toThrow('not a finite sample');
    expect(() => percentile([1], 101)).toThrow('percentile must be 0–100');
  });

  it('should give the ratio of aiq to the baseline, and none over a zero baseline', () => {
    expect(ratio(173, 631)).toBeCloseTo(0.274, 3);
    expect(ratio(1, 0)).toBeNull();
  });
});
