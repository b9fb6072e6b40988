import { describe, expect, it } from 'vitest';
import { renderTable } from './render-results.js';
import { metric, type BenchmarkResult } from './results.js';

const throughput = {
  name: 'tasks/s',
  unit: 'tasks/s',
  better: 'higher',
  compare: 'ratio',
} as const;
const latency = { name: 'ttft p50', unit: 'ms', better: 'lower', compare: 'added' } as const;

function benchmark(metrics: BenchmarkResult['metrics']): BenchmarkResult {
  return {
    id: 'B1',
    title: 'tasks/s end to end',
    aiqSide: 'aiq',
    baselineSide: 'bare',
    warmupRounds: 1,
    rounds: 3,
    parameters: {},
    metrics,
    checks: {},
    seconds: 1,
  };
}

describe('a metric', () => {
  it('should compare the medians and, round by round, the paired samples', () => {
    const result = metric(throughput, [100, 300, 200], [400, 500, 1_000]);
    expect(result.aiq.median).toBe(200);
    expect(result.baseline.median).toBe(500);
    expect(result.ratio).toBe(0.4);
    expect(result.byRound).toMatchObject({ min: 0.2, median: 0.25, max: 0.6 });
  });

  it('should give added latency as a difference, and leave out rounds whose baseline has no ratio', () => {
    expect(metric(latency, [70, 80], [50, 55]).byRound).toMatchObject({ min: 20, max: 25 });
    expect(metric(throughput, [5, 6], [0, 3]).byRound).toMatchObject({ count: 1, median: 2 });
    expect(metric(throughput, [5], [-1]).byRound).toBeNull();
  });

  it('should show the ratio or the difference with the rounds’ extremes in the table', () => {
    const table = renderTable([
      benchmark([
        metric(throughput, [100, 300, 200], [400, 500, 1_000]),
        metric(latency, [70, 80], [50, 55]),
      ]),
    ]);
    expect(table).toContain('| 200 (100–300)');
    expect(table).toContain('×0.40 (0.20–0.60)');
    expect(table).toContain('+22.5 ms (+20.0–+25.0)');
  });
});
