/**
 * `pnpm bench:concurrency`: how far one worker process goes at each WORKER_CONCURRENCY when the
 * provider answers at a real model's pace (issue 14: "the provider call is I/O, so a higher
 * default may be right. Measure it."). The mock answers like a chat model: the first token after
 * 400 ms, then 60 tokens 15 ms apart (about 1.3 s a call). One API process submits over HTTP;
 * one worker process at each concurrency runs the same batch. Writes results/concurrency.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateAndAwait } from './benchmarks/b1-throughput.js';
import { progress } from './rounds.js';
import { startAiqSystem, type AiqProcess, type AiqSystem } from './system/aiq-system.js';
import { measureCpu } from './system/process-cpu.js';
import { mockDirective } from './workload.js';

const CONCURRENCIES = [8, 32, 64, 128];
const TASKS = 256;
const DIRECTIVE = mockDirective({ tokens: 60, ttftMs: 400, delayMs: 15 });
/** One call's time at the mock's pace, for the ideal rate `concurrency ÷ call time`. */
const CALL_SECONDS = (400 + 60 * 15) / 1_000;

interface Row {
  readonly concurrency: number;
  readonly tasksPerSecond: number;
  readonly ideal: number;
  readonly workerCpuMsPerTask: number | undefined;
  readonly workerRssMiB: number;
}

function runBatch(system: AiqSystem, api: AiqProcess): Promise<number> {
  return generateAndAwait(system, api, {
    userPrefix: 'conc',
    prompt: `Task [<id>] ${DIRECTIVE}`,
    tasks: TASKS,
    submitters: 32,
    timeoutMs: 240_000,
  });
}

async function residentMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1_024;
}

function render(rows: readonly Row[], date: string): string {
  const lines = [
    '# Worker concurrency against a provider at a real pace',
    '',
    'Written by `pnpm bench:concurrency` (bench/src/concurrency-study.ts); do not edit by hand.',
    '',
    `${date}, ${os.cpus().length} CPUs, Node ${process.version}. One API and one worker process;`,
    `${TASKS} tasks per row over HTTP (32 submitters); the mock answers each call with its first`,
    'token after 400 ms, then 60 tokens 15 ms apart (about 1.3 s a call, as a chat model does).',
    '"ideal" is concurrency ÷ call time: what the worker would do if the call were all it waited on.',
    '',
    '| WORKER_CONCURRENCY | tasks/s | ideal | worker CPU per task | worker peak RSS |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.concurrency} | ${row.tasksPerSecond.toFixed(1)} | ${row.ideal.toFixed(1)} | ${
          row.workerCpuMsPerTask === undefined ? '–' : `${row.workerCpuMsPerTask.toFixed(1)} ms`
        } | ${row.workerRssMiB.toFixed(0)} MiB |`,
    ),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const system = await startAiqSystem();
  const rows: Row[] = [];
  try {
    const api = await system.startApi();
    for (const concurrency of CONCURRENCIES) {
      progress(`WORKER_CONCURRENCY=${concurrency}: ${TASKS} tasks`);
      const worker = await system.startWorker({ WORKER_CONCURRENCY: String(concurrency) });
      try {
        const { result, cpuMs } = await measureCpu([worker.pid], () => runBatch(system, api));
        rows.push({
          concurrency,
          tasksPerSecond: result,
          ideal: Math.min(concurrency, TASKS) / CALL_SECONDS,
          workerCpuMsPerTask: cpuMs === undefined ? undefined : cpuMs / TASKS,
          workerRssMiB: await residentMiB(worker.pid),
        });
        progress(`  ${result.toFixed(1)} tasks/s`);
      } finally {
        await worker.stop();
      }
    }
  } finally {
    await system.close();
  }
  const text = render(rows, date);
  process.stdout.write(`\n${text}`);
  const directory = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(directory, { recursive: true });
  await writeFile(`${directory}concurrency.md`, text);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:concurrency failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
