import type { Machine } from './machine.js';
import { ratio, summarize, type Summary } from './stats.js';

export type BenchmarkId = 'B1' | 'B2' | 'B3' | 'B3b' | 'B4' | 'B5' | 'B6';
export const BENCHMARK_IDS: readonly BenchmarkId[] = ['B1', 'B2', 'B3', 'B3b', 'B4', 'B5', 'B6'];

/** One measured quantity of a benchmark, on both sides. */
export interface Metric {
  /** What is measured, for the table: `tasks/s end to end`, `time to first token p99`. */
  readonly name: string;
  readonly unit: string;
  /** Which way is better, so a reader knows whether a ratio under 1 is good news. */
  readonly better: 'higher' | 'lower';
  /**
   * How the table compares the sides: `ratio` (aiq ÷ baseline, for rates and sizes) or `added`
   * (aiq − baseline, for latencies and per-item costs).
   */
  readonly compare: 'ratio' | 'added';
  /** Over the measured rounds: one sample per round. */
  readonly aiq: Summary;
  readonly baseline: Summary;
  /** aiq's median ÷ the baseline's median. */
  readonly ratio: number | null;
  /** aiq's median − the baseline's median, in `unit`. */
  readonly added: number;
  /**
   * The comparison round by round (aiq ÷ baseline, or aiq − baseline), each round's two sides
   * having run back to back: its spread shows how much the machine's noise moved the result.
   * Null when no round's baseline allows a ratio (zero or negative).
   */
  readonly byRound: Summary | null;
}

/** How to build a {@link Metric} from per-round samples. */
export interface MetricSpec {
  readonly name: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly compare: 'ratio' | 'added';
}

export function metric(
  spec: MetricSpec,
  aiqSamples: readonly number[],
  baselineSamples: readonly number[],
): Metric {
  const aiq = summarize(aiqSamples);
  const baseline = summarize(baselineSamples);
  const paired = aiqSamples.flatMap((sample, round) => {
    const other = baselineSamples[round];
    if (other === undefined) return [];
    if (spec.compare === 'added') return [sample - other];
    return other > 0 ? [sample / other] : [];
  });
  return {
    ...spec,
    aiq,
    baseline,
    ratio: ratio(aiq.median, baseline.median),
    added: aiq.median - baseline.median,
    byRound: paired.length === 0 ? null : summarize(paired),
  };
}

/** Everything one benchmark found. */
export interface BenchmarkResult {
  readonly id: BenchmarkId;
  readonly title: string;
  /** What the aiq side runs, and what the baseline runs, in a sentence each. */
  readonly aiqSide: string;
  readonly baselineSide: string;
  readonly warmupRounds: number;
  readonly rounds: number;
  /** Sizes and settings of the workload (task counts, tokens, connections …). */
  readonly parameters: Readonly<Record<string, number | string | boolean>>;
  readonly metrics: readonly Metric[];
  /** Correctness checks made along the way (events lost, tasks failed …): all must hold. */
  readonly checks: Readonly<Record<string, number | string | boolean>>;
  readonly seconds: number;
}

/** One run of the suite. */
export interface BenchRun {
  /** ISO 8601, when the run started. */
  readonly date: string;
  readonly quick: boolean;
  readonly gitCommit: string | undefined;
  readonly machine: Machine;
  /** Load averages (1, 5, 15 min) at the start and the end: other sessions share the CPU. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  /** The settings aiq ran with beyond its defaults, and why (see `aiqEnvironment`). */
  readonly aiqSettings: Readonly<Record<string, string>>;
  readonly benchmarks: readonly BenchmarkResult[];
  readonly seconds: number;
}
