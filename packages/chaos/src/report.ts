import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { brokenPromises, type Verdict } from './oracle.js';

const RESULTS = new URL('../results/', import.meta.url);
const PENDING = new URL('rows.jsonl', RESULTS);

/** One row's outcome, as printed and kept for `results/latest.md`. */
export interface RowReport {
  readonly row: string;
  readonly fault: string;
  readonly verdict: Verdict;
  readonly seconds: number;
  /** Figures particular to the row (refusals by status, kills, …). */
  readonly notes?: readonly string[];
}

function failedText(failed: Readonly<Record<string, number>>): string {
  const parts = Object.entries(failed).map(([reason, count]) => `${count} ${reason}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

/** The oracle's table for one row. */
function formatRow({ row, fault, verdict, seconds, notes = [] }: RowReport): string {
  const broken = brokenPromises(verdict);
  const lines = [
    `row ${row}: ${fault} (${seconds.toFixed(1)} s) — ${broken.length === 0 ? 'clean' : `BROKEN: ${broken.join('; ')}`}`,
    `  accepted                  ${verdict.accepted}`,
    `  completed                 ${verdict.completed}`,
    `  failed (reasons)          ${failedText(verdict.failed)}`,
    `  lost                      ${verdict.lost.length}`,
    `  inconsistent              ${verdict.inconsistent.length}`,
    `  results written twice     ${verdict.writtenTwice.length}`,
    `  duplicate provider calls  ${verdict.duplicateCalls} (interrupted attempts ${verdict.interruptedAttempts})`,
    `  retry-after violations    ${verdict.retryAfterViolations.length}`,
    `  SSE streams checked, bad  ${verdict.badStreams.length}`,
    ...notes.map((note) => `  ${note}`),
  ];
  return lines.join('\n');
}

/** Prints the row's table and keeps it for the summary. */
export async function reportRow(report: RowReport): Promise<void> {
  console.log(formatRow(report));
  await mkdir(RESULTS, { recursive: true });
  await appendFile(PENDING, `${JSON.stringify(report)}\n`);
}

/** Markdown table of every row reported since the last `startReport`. */
export function renderSummary(reports: readonly RowReport[], heading: string): string {
  const head =
    '| Row | Fault | Accepted | Completed | Failed (reasons) | Lost | Written twice | Duplicate calls / interrupted | Retry-after violations | Bad SSE | Time | Verdict |\n' +
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|';
  const rows = reports.map(({ row, fault, verdict, seconds, notes = [] }) => {
    const broken = brokenPromises(verdict);
    return `| ${row} | ${fault}${notes.length > 0 ? `<br>${notes.join('<br>')}` : ''} | ${verdict.accepted} | ${verdict.completed} | ${failedText(verdict.failed)} | ${verdict.lost.length} | ${verdict.writtenTwice.length} | ${verdict.duplicateCalls} / ${verdict.interruptedAttempts} | ${verdict.retryAfterViolations.length} | ${verdict.badStreams.length} | ${seconds.toFixed(0)} s | ${broken.length === 0 ? 'clean' : broken.join('; ')} |`;
  });
  return `${heading}\n\n${head}\n${rows.join('\n')}\n`;
}

export { PENDING as PENDING_ROWS, RESULTS as RESULTS_DIR };
export async function writeSummary(markdown: string): Promise<void> {
  await writeFile(new URL('latest.md', RESULTS), markdown);
}
