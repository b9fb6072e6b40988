import { describe, expect, it } from 'vitest';
import { backoffDelayMs, createBackoffStrategy, RetryAttemptError } from './retry-policy.js';

const retry = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 };

describe('retry policy', () => {
  it('should double the ceiling per retry and cap it at the maximum (runbook: 1 s to 10 s)', () => {
    const ceiling = (attempt: number) => backoffDelayMs(attempt, retry, () => 0.999_999);
    expect([1, 2, 3, 4, 5, 6].map(ceiling)).toEqual([999, 1_999, 3_999, 7_999, 9_999, 9_999]);
  });

  it('should spread delays over the whole range (full jitter)', () => {
    expect(backoffDelayMs(3, retry, () => 0)).toBe(0);
    expect(backoffDelayMs(3, retry, () => 0.5)).toBe(2_000);
  });

  it('should use the delay announced with the error', () => {
    const strategy = createBackoffStrategy(retry);
    const error = new RetryAttemptError('boom', 'server_error', 1_234);
    expect(strategy(1, 'aiq-full-jitter', error)).toBe(1_234);
    expect(strategy(1, 'aiq-full-jitter', new Error('x'))).toBeLessThan(1_000);
  });
});
