import type { BenchmarkResult, BenchRun, Metric } from './results.js';
import type { Summary } from './stats.js';

/** Marks the summary (machine line, table, legend) in latest.md, for the README's copy. */
export const SUMMARY_START = '<!-- bench-summary:start -->';
export const SUMMARY_END = '<!-- bench-summary:end -->';

/** Three significant figures or so, without exponent notation. */
function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function formatSide(summary: Summary): string {
  return `${formatNumber(summary.median)} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}

function formatSigned(value: number): string {
  return `${value >= 0 ? '+' : '−'}${formatNumber(Math.abs(value))}`;
}

/**
 * `×0.27 (0.21–0.35)` for a ratio, `+14.4 ms (+9.10–+20.3)` for an added latency or cost: the
 * medians' comparison, then the lowest and highest of the rounds' own.
 */
function formatComparison(metric: Metric): string {
  const rounds = metric.byRound;
  if (metric.compare === 'added') {
    const spread = rounds ? ` (${formatSigned(rounds.min)}–${formatSigned(rounds.max)})` : '';
    return `${formatSigned(metric.added)} ${metric.unit}${spread}`;
  }
  if (metric.ratio === null) return 'n/a';
  const spread = rounds ? ` (${rounds.min.toFixed(2)}–${rounds.max.toFixed(2)})` : '';
  return `×${metric.ratio.toFixed(2)}${spread}`;
}

const HEADER = [
  '#',
  'measure',
  'aiq: median (min–max)',
  'baseline: median (min–max)',
  'aiq vs baseline',
];

function rowsOf(benchmarks: readonly BenchmarkResult[]): string[][] {
  return benchmarks.flatMap((benchmark) =>
    benchmark.metrics.map((metric) => [
      benchmark.id,
      `${metric.name} (${metric.unit}, ${metric.better} is better)`,
      formatSide(metric.aiq),
      formatSide(metric.baseline),
      formatComparison(metric),
    ]),
  );
}

/** A Markdown table with its columns padded, so it reads as well in a terminal. */
export function renderTable(benchmarks: readonly BenchmarkResult[]): string {
  const rows = [HEADER, ...rowsOf(benchmarks)];
  const widths = HEADER.map((_, column) =>
    Math.max(...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(HEADER), rule, ...rows.slice(1).map(line)].join('\n');
}

function describeRun(run: BenchRun): string {
  const { machine } = run;
  const load = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(' ');
  return (
    `${run.quick ? 'Quick smoke run' : 'Full suite'} of ${run.date}, ${(run.seconds / 60).toFixed(1)} min, ` +
    `commit ${run.gitCommit?.slice(0, 10) ?? 'unknown'}. ` +
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}. ` +
    `Redis ${machine.redis.version} (appendonly ${machine.redis.appendonly}, appendfsync ${machine.redis.appendfsync}, ` +
    `save "${machine.redis.save}"), PostgreSQL ${machine.postgres.version} (fsync ${machine.postgres.fsync}, ` +
    `synchronous_commit ${machine.postgres.synchronousCommit}); everything on this one host. ` +
    `Load average ${load(run.loadAverage.start)} at the start, ${load(run.loadAverage.end)} at the end: ` +
    `other sessions share these cores, so expect noise.`
  );
}

/** The machine line, the table and how to read it: what the README shows. */
function renderSummary(run: BenchRun): string {
  const rounds = [...new Set(run.benchmarks.map((benchmark) => benchmark.rounds))].join(' or ');
  return [
    describeRun(run),
    '',
    renderTable(run.benchmarks),
    '',
    `Medians of ${rounds} rounds after a warm-up, with the lowest and highest round in brackets. ` +
      'aiq and its baseline run interleaved (A B, B A, …). ×: aiq ÷ baseline, +: aiq − baseline, ' +
      "of the medians; in brackets the lowest and highest of the rounds' own, each round's two " +
      'sides having run back to back.',
  ].join('\n');
}

function renderDetails(benchmark: BenchmarkResult): string {
  const list = (record: Readonly<Record<string, unknown>>) =>
    Object.entries(record)
      .map(([name, value]) => `${name} ${String(value)}`)
      .join(', ');
  return [
    `### ${benchmark.id}: ${benchmark.title}`,
    '',
    `- aiq: ${benchmark.aiqSide}`,
    `- baseline: ${benchmark.baselineSide}`,
    `- workload: ${list(benchmark.parameters)}`,
    `- checks: ${list(benchmark.checks)}`,
    `- took ${benchmark.seconds.toFixed(0)} s`,
  ].join('\n');
}

/** latest.md: the summary between markers, then what each side runs. */
export function renderMarkdown(run: BenchRun): string {
  const settings = Object.entries(run.aiqSettings)
    .map(([name, value]) => `\`${name}=${value}\``)
    .join(', ');
  return [
    '# aiq benchmarks',
    '',
    'Written by `pnpm bench` (bench/src/main.ts); do not edit by hand.',
    '',
    SUMMARY_START,
    renderSummary(run),
    SUMMARY_END,
    '',
    '## What each benchmark runs',
    '',
    `aiq runs on its defaults except these limits, which are policy, not capacity: ${settings}.`,
    '',
    ...run.benchmarks.map((benchmark) => `${renderDetails(benchmark)}\n`),
  ].join('\n');
}
