import { loadConfig } from '@aiq/config';
import { CommanderError } from 'commander';
import { createProgram } from '../../src/program.js';

/** What a user would have seen: stdout, stderr and the exit code. */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `aiq …argv` in this process with the given environment, as `main.ts` would. */
export async function runCli(argv: string[], env: Record<string, string>): Promise<CliResult> {
  const lines: string[] = [];
  const errors: string[] = [];
  let code = -1;
  const program = createProgram(
    { write: (text) => lines.push(text), error: (text) => errors.push(text) },
    (result) => (code = result),
    () => loadConfig(env),
  );
  try {
    await program.parseAsync(['node', 'aiq', ...argv]);
  } catch (error) {
    // A usage error: commander printed it through `error` and main.ts exits with its code.
    if (!(error instanceof CommanderError)) throw error;
    code = error.exitCode;
  }
  return { code, out: lines.join('\n'), err: errors.join('\n') };
}
