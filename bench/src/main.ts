/**
 * `pnpm bench [--quick] [--only B1,B4]`: aiq against what a user would write instead, side by
 * side in one run (see README "Performance" and bench/README.md). Prints the table on stdout,
 * progress on stderr, and writes bench/results/latest.{json,md} (quick.{json,md} for --quick).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runThroughput } from './benchmarks/b1-throughput.js';
import { runFirstToken } from './benchmarks/b2-first-token.js';
import { runTokenRelay } from './benchmarks/b3-token-relay.js';
import { runSseMemory } from './benchmarks/b4-sse-memory.js';
import { runAccept } from './benchmarks/b5-accept.js';
import { runBulkRetry } from './benchmarks/b6-bulk-retry.js';
import { describeMachine, loadAverage } from './machine.js';
import { parseBenchOptions, type BenchOptions } from './options.js';
import { renderMarkdown, renderTable } from './render-results.js';
import type { BenchmarkId, BenchmarkResult, BenchRun } from './results.js';
import { progress } from './rounds.js';
import { AIQ_SETTINGS, startAiqSystem, type AiqSystem } from './system/aiq-system.js';
import { entryPoint, profileProcessesInto, repositoryRoot } from './system/node-process.js';

async function gitCommit(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], {
      cwd: repositoryRoot,
    });
    return stdout.trim();
  } catch {
    return undefined; // not a checkout (a copied tree): the results say "unknown"
  }
}

/** Runs the wanted benchmarks that need the API (and, for B1–B3b, a worker) in phases. */
async function runOnApi(system: AiqSystem, options: BenchOptions): Promise<BenchmarkResult[]> {
  const wanted = (ids: readonly BenchmarkId[]) => ids.some((id) => options.only.has(id));
  const results: BenchmarkResult[] = [];
  if (!wanted(['B1', 'B2', 'B3', 'B3b', 'B4', 'B5'])) return results;
  progress('starting the API process');
  const api = await system.startApi();
  try {
    if (wanted(['B1', 'B2', 'B3', 'B3b'])) {
      progress('starting the worker process');
      const worker = await system.startWorker();
      try {
        if (options.only.has('B1')) {
          progress('B1: tasks/s end to end');
          results.push(await runThroughput(system, api, options.sizes.B1));
        }
        if (options.only.has('B2')) {
          progress('B2: time to first token');
          results.push(await runFirstToken(system, api, options.sizes.B2));
        }
        for (const id of ['B3', 'B3b'] as const) {
          if (!options.only.has(id)) continue;
          progress(`${id}: token relay`);
          results.push(await runTokenRelay(system, api, options.sizes[id]));
        }
      } finally {
        // B4 and B5 measure the API alone: no worker takes CPU from it.
        await worker.stop();
      }
    }
    if (options.only.has('B4')) {
      progress('B4: memory per concurrent SSE stream');
      results.push(await runSseMemory(system, api, options.sizes.B4));
    }
    if (options.only.has('B5')) {
      progress('B5: accepting background tasks');
      results.push(await runAccept(system, api, options.sizes.B5));
    }
  } finally {
    await api.stop();
  }
  return results;
}

async function writeResults(run: BenchRun, name: string): Promise<string[]> {
  const directory = entryPoint('bench/results/');
  await mkdir(directory, { recursive: true });
  const files = [`${directory}${name}.json`, `${directory}${name}.md`];
  await writeFile(files[0] ?? '', `${JSON.stringify(run, null, 2)}\n`);
  await writeFile(files[1] ?? '', renderMarkdown(run));
  return files;
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const began = performance.now();
  const date = new Date().toISOString();
  const start = loadAverage();
  progress(`pnpm bench${options.quick ? ' --quick' : ''}: ${[...options.only].join(' ')}`);
  if (options.cpuProfile) {
    const directory = fileURLToPath(
      new URL(`../profiles/${date.replaceAll(':', '-')}/`, import.meta.url),
    );
    await mkdir(directory, { recursive: true });
    profileProcessesInto(directory);
    progress(`CPU profiles of every process go to ${directory}`);
  }
  const system = await startAiqSystem();
  // Ctrl-C: the child processes get the signal too; the keys and the database go with close().
  process.once('SIGINT', () => {
    void system.close().finally(() => process.exit(130));
  });
  try {
    const machine = await describeMachine(system.redis, system.database);
    const benchmarks = await runOnApi(system, options);
    if (options.only.has('B6')) {
      progress(`B6: bulk retry of ${options.sizes.B6.tasks} failed tasks`);
      benchmarks.push(await runBulkRetry(system, options.sizes.B6));
    }
    const run: BenchRun = {
      date,
      quick: options.quick,
      gitCommit: await gitCommit(),
      machine,
      loadAverage: { start, end: loadAverage() },
      aiqSettings: AIQ_SETTINGS,
      benchmarks,
      seconds: (performance.now() - began) / 1_000,
    };
    process.stdout.write(`\n${renderTable(run.benchmarks)}\n\n`);
    const files = await writeResults(run, options.resultsName);
    progress(`written: ${files.join(', ')} (${(run.seconds / 60).toFixed(1)} min)`);
  } finally {
    await system.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
