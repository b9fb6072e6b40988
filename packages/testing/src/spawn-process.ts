import { spawn, type ChildProcess } from 'node:child_process';
import { TEST_NOW } from './test-clock.js';

/** A child process under test, with its output captured. */
export interface SpawnedProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects after `timeoutMs` or on exit. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited(): Promise<number | string>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface SpawnNodeOptions {
  /**
   * Replaces the environment (plus PATH, HOME and `MODELS_AS_OF=TEST_NOW`, which the env may
   * override), so the parent's REDIS_URL etc. cannot leak in and no model retires under a test.
   */
  env?: Record<string, string>;
  cwd?: string;
  args?: string[];
  /** Node's own flags, before the entry point (`--cpu-prof`, …). */
  nodeArgs?: string[];
}

// Children still running when the test process exits (a failed `beforeAll` that never reached
// its `close()`, a test that timed out) are killed with it instead of living on as orphans that
// hold ports, Redis connections and CPU for the files that run next.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs a TypeScript entry point as production would run it, but from source: node with the
 * `@aiq/source` export condition and tsx (house style R3).
 */
export function spawnNode(
  entry: string,
  { env = {}, cwd, args = [], nodeArgs = [] }: SpawnNodeOptions = {},
): SpawnedProcess {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--conditions=@aiq/source', '--import', 'tsx', entry, ...args],
    {
      cwd,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        MODELS_AS_OF: TEST_NOW,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (out + err).match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          }
        };
        const onExit = () => {
          check();
          cleanup();
          reject(new Error(`process exited before printing ${pattern}:\n${out}\n${err}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
    exited: () => exit,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}
