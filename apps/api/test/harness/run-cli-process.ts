import { fileURLToPath } from 'node:url';
import { spawnNode } from '@aiq/testing';

// Spawned by path, never imported: the API does not depend on CLI code (R1).
const cliEntry = fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));

/** What an operator at a terminal would have seen. */
export interface CliProcessResult {
  readonly code: number | string;
  readonly out: string;
  readonly err: string;
  /** performance.now() when the process had exited: the command's effect is in place by then. */
  readonly exitedAt: number;
}

/** Runs `aiq …args` as its own process (`apps/cli/src/main.ts`), with only `env` set. */
export async function runCliProcess(
  args: string[],
  env: Record<string, string>,
): Promise<CliProcessResult> {
  const cli = spawnNode(cliEntry, { env, args });
  const code = await cli.exited();
  return { code, out: cli.stdout(), err: cli.stderr(), exitedAt: performance.now() };
}
