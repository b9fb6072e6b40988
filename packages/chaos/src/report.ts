import { execFile } from 'node:child_process';
import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem, type } from 'node:os';
import { promisify } from 'node:util';
import { brokenPromises, type Verdict } from './oracle.js';

const RESULTS = new URL('../results/', import.meta.url);
const PENDING = new URL('rows.jsonl', RESULTS);

/** One row's outcome, as printed and kept for `docs/reliability.md`. */
export interface RowReport {
  readonly row: string;
  readonly fault: string;
  readonly verdict: Verdict;
  readonly seconds: number;
  /** From the fault's end until every accepted task had ended (the drain). */
  readonly recoverySeconds?: number;
  /** When the row ran (ISO 8601): a partial run keeps the other rows' earlier figures. */
  readonly ranAt?: string;
  /** Figures particular to the row (refusals by status, kills, …). */
  readonly notes?: readonly string[];
}

function failedText(failed: Readonly<Record<string, number>>): string {
  const parts = Object.entries(failed).map(([reason, count]) => `${count} ${reason}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

/** A row's verdict; a negative control's loss is what it exists to show. */
function verdictText(fault: string, broken: readonly string[]): string {
  if (broken.length === 0) return 'clean';
  const text = broken.join('; ');
  return fault.startsWith('negative control') ? `${text}: detected, as a control must` : text;
}

function recoveryText(seconds: number | undefined): string {
  return seconds === undefined ? '–' : `${seconds.toFixed(1)} s`;
}

/** The oracle's table for one row. */
function formatRow({
  row,
  fault,
  verdict,
  seconds,
  recoverySeconds,
  notes = [],
}: RowReport): string {
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
    `  recovery                  ${recoveryText(recoverySeconds)}`,
    ...notes.map((note) => `  ${note}`),
  ];
  return lines.join('\n');
}

/** Prints the row's table and keeps it for the summary. */
export async function reportRow(report: RowReport): Promise<void> {
  console.log(formatRow(report));
  await mkdir(RESULTS, { recursive: true });
  await appendFile(PENDING, `${JSON.stringify({ ...report, ranAt: new Date().toISOString() })}\n`);
}

/** Markdown table of every row reported since the last `startReport`. */
export function renderSummary(reports: readonly RowReport[], heading: string): string {
  const head =
    '| Row | Fault | Accepted | Completed | Failed (reasons) | Lost | Written twice | Duplicate calls / interrupted | Retry-after violations | Bad SSE | Recovery | Time | Verdict |\n' +
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|';
  const rows = reports.map(
    ({ row, fault, verdict, seconds, recoverySeconds, ranAt, notes = [] }) => {
      const broken = brokenPromises(verdict);
      const time = `${seconds.toFixed(0)} s${ranAt === undefined ? '' : `, ${ranAt.slice(0, 10)}`}`;
      return `| ${row} | ${fault}${notes.length > 0 ? `<br>${notes.join('<br>')}` : ''} | ${verdict.accepted} | ${verdict.completed} | ${failedText(verdict.failed)} | ${verdict.lost.length} | ${verdict.writtenTwice.length} | ${verdict.duplicateCalls} / ${verdict.interruptedAttempts} | ${verdict.retryAfterViolations.length} | ${verdict.badStreams.length} | ${recoveryText(recoverySeconds)} | ${time} | ${verdictText(fault, broken)} |`;
    },
  );
  return `${heading}\n\n${head}\n${rows.join('\n')}\n`;
}

export { PENDING as PENDING_ROWS, RESULTS as RESULTS_DIR };

const run = promisify(execFile);

/** The first line a server binary prints of its version, or `unknown`. */
async function versionOf(command: string): Promise<string> {
  const { stdout } = await run(command, ['--version']).catch(() => ({ stdout: 'unknown' }));
  return stdout.split('\n')[0] ?? 'unknown';
}

/** The machine the suite ran on: CPU, memory, OS, Node, redis-server and PostgreSQL. */
export async function describeMachine(): Promise<string> {
  const processors = cpus();
  const postgresVersions = await readdir('/usr/lib/postgresql').catch(() => []);
  const newest = postgresVersions.sort((a, b) => Number(b) - Number(a))[0];
  const postgres =
    newest === undefined
      ? 'unknown'
      : await versionOf(`/usr/lib/postgresql/${newest}/bin/postgres`);
  return [
    `${processors.length} × ${processors[0]?.model.trim() ?? 'unknown CPU'}`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `${type()} ${release()}`,
    `Node ${process.version}`,
    await versionOf('redis-server'),
    postgres,
  ].join(', ');
}

/** The published report: the repository's `docs/reliability.md`. */
const REPORT = new URL('../../../docs/reliability.md', import.meta.url);

export async function writeSummary(markdown: string): Promise<void> {
  await writeFile(REPORT, markdown);
}
