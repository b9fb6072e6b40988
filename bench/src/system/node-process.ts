import { fileURLToPath } from 'node:url';
import { spawnNode, type SpawnedProcess } from '@aiq/testing';
import { z } from 'zod';
import { waitUntil } from '../wait-until.js';

/** The repository's root, for the entry points the bench starts as processes. */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A TypeScript file of this repository, by its path from the root. */
export function entryPoint(pathFromRoot: string): string {
  return fileURLToPath(new URL(pathFromRoot, `file://${repositoryRoot}`));
}

let cpuProfileDirectory: string | undefined;

/**
 * `pnpm bench --cpu-prof`: every process the bench starts from here on (API, worker, mock LLM,
 * baselines) writes a V8 CPU profile into `directory` when it exits (`node --cpu-prof`), to be
 * opened in Chrome DevTools or speedscope.
 */
export function profileProcessesInto(directory: string): void {
  cpuProfileDirectory = directory;
}

/** A Node process the bench started and waits on. */
export interface NodeProcess {
  readonly pid: number;
  /** The first match of the ready pattern (a URL or port is usually in its groups). */
  readonly ready: RegExpMatchArray;
  readonly spawned: SpawnedProcess;
  /** SIGTERM, then the exit; idempotent. */
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  readonly env?: Record<string, string>;
  readonly args?: string[];
  /** A line the process prints once it serves: `api listening`, `worker started`. */
  readonly readyPattern: RegExp;
  /** @defaultValue 60 000: two cores, shared, compiling TypeScript on start */
  readonly timeoutMs?: number;
}

/**
 * Starts a TypeScript entry point as its own Node process, from source as the tests run it
 * (`spawnNode`: the `@aiq/source` condition and tsx), and waits until it says it is ready.
 */
export async function startNode(
  entry: string,
  { env = {}, args = [], readyPattern, timeoutMs = 60_000 }: StartNodeOptions,
): Promise<NodeProcess> {
  const nodeArgs =
    cpuProfileDirectory === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDirectory}`, '--cpu-prof-interval=250'];
  const spawned = spawnNode(entry, { env, args, nodeArgs, cwd: repositoryRoot });
  const pid = spawned.child.pid;
  try {
    if (pid === undefined) throw new Error(`${entry} did not start`);
    const ready = await spawned.waitForOutput(readyPattern, timeoutMs);
    let stopping: Promise<void> | undefined;
    return {
      pid,
      ready,
      spawned,
      stop: () => (stopping ??= spawned.stop('SIGTERM').then(() => undefined)),
    };
  } catch (error) {
    await spawned.stop('SIGKILL');
    throw error;
  }
}

/**
 * NODE_OPTIONS that load the memory probe into a process ({@link probeMemory} reads it): gc
 * exposed, and a SIGUSR2 handler that does nothing until the bench signals.
 */
export const MEMORY_PROBE_OPTIONS = `--expose-gc --import ${fileURLToPath(
  new URL('./memory-probe.mjs', import.meta.url),
)}`;

/** A process's memory after a full garbage collection, in bytes (memory-probe.mjs's report). */
const MemoryReading = z.object({
  /** Resident set size: what the process holds in RAM, native memory and sockets included. */
  rss: z.number(),
  heapUsed: z.number(),
  /** Memory of C++ objects bound to JavaScript ones (Buffers among them). */
  external: z.number(),
});
export type MemoryReading = z.infer<typeof MemoryReading>;

/**
 * Asks a process started with {@link MEMORY_PROBE_OPTIONS} to collect garbage and report its
 * memory (SIGUSR2), and waits for the report on its stdout.
 */
export async function probeMemory(process: NodeProcess): Promise<MemoryReading> {
  const offset = process.spawned.stdout().length;
  const report = () => /bench-memory (\{.*\})/.exec(process.spawned.stdout().slice(offset))?.[1];
  process.spawned.child.kill('SIGUSR2');
  await waitUntil(() => Promise.resolve(report() !== undefined), {
    what: `memory report of process ${process.pid}`,
    timeoutMs: 10_000,
    intervalMs: 10,
  });
  return MemoryReading.parse(JSON.parse(report() ?? ''));
}
