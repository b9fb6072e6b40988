import { Command } from 'commander';
import { loadConfig, type Config } from '@aiq/config';
import { doctor } from './commands/doctor.js';
import { runbook } from './commands/runbook.js';
import type { Output } from './output.js';

/**
 * The `aiq` command tree. Each action sets `process.exitCode`-style results through `exit`,
 * so tests can run the program in-process.
 */
export function createProgram(
  output: Output,
  exit: (code: number) => void,
  loadEnv: () => Config = loadConfig,
): Command {
  const program = new Command('aiq')
    .description('Operate aiq: diagnose, retry, replay and switch providers.')
    .configureOutput({
      writeOut: (text) => output.write(text),
      writeErr: (text) => output.error(text),
    })
    .exitOverride();

  program
    .command('doctor')
    .description(
      'Check Redis (reachability, eviction policy, persistence), the database and provider keys',
    )
    .action(async () => exit(await doctor(loadEnv(), output)));

  program
    .command('runbook')
    .description("Run one of the on-call runbook's SQL queries by name (no name: list them)")
    .argument('[query]', 'query name, e.g. requestFailures')
    .option('--json', 'print rows as JSON')
    .action(async (query: string | undefined, options: { json?: boolean }) =>
      exit(await runbook(loadEnv(), output, query, options)),
    );

  return program;
}
