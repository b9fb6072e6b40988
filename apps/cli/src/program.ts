import { Command, Option } from 'commander';
import { loadConfig, type Config } from '@aiq/config';
import { doctor } from './commands/doctor.js';
import { createKey, revokeKey } from './commands/keys.js';
import { runbook } from './commands/runbook.js';
import { cancel, show, submit, type SubmitOptions } from './commands/tasks.js';
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

  const keys = program.command('keys').description('Manage API keys (hashed at rest, shown once)');
  keys
    .command('create')
    .description('Create an API key for a user (the user is created if new) and print it once')
    .requiredOption('--user <id>', 'user id the key belongs to')
    .addOption(
      new Option('--role <role>', 'what the key may do')
        .choices(['user', 'operator'])
        .default('user'),
    )
    .option('--json', 'print the key and its id as JSON')
    .action(async (options: { user: string; role: 'user' | 'operator'; json?: boolean }) =>
      exit(await createKey(loadEnv(), output, options)),
    );
  keys
    .command('revoke')
    .description('Revoke an API key by its id')
    .argument('<id>', 'key id, as `keys create` printed it')
    .action(async (id: string) => exit(await revokeKey(loadEnv(), output, id)));

  const tasks = program.command('tasks').description('Submit, inspect and cancel tasks');
  tasks
    .command('submit')
    .description(
      'Submit a task through the same producer as the API: a generation (--model, --prompt) ' +
        'or a background task (--type, --input JSON)',
    )
    .requiredOption('--user <id>', 'user the task belongs to')
    .option('--model <id>', 'model of a chat generation, e.g. gpt-5')
    .option('--prompt <text>', 'the user message of a chat generation')
    .option('--type <type>', 'background task type, e.g. ai_analyze_document')
    .option('--input <json>', "the background task's input, as JSON")
    .option('--idempotency-key <key>', 'the same key within 24 h returns the same task')
    .option('--json', 'print the submitted task as JSON')
    .action(async (options: SubmitOptions) => exit(await submit(loadEnv(), output, options)));
  tasks
    .command('show')
    .description("Show a task's ledger row and every provider attempt")
    .argument('<id>', 'task id')
    .option('--json', 'print as JSON')
    .action(async (id: string, options: { json?: boolean }) =>
      exit(await show(loadEnv(), output, id, options)),
    );
  tasks
    .command('cancel')
    .description('Cancel a task: its provider call is aborted within a second wherever it runs')
    .argument('<id>', 'task id')
    .action(async (id: string) => exit(await cancel(loadEnv(), output, id)));

  return program;
}
