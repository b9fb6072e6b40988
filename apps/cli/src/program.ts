import { Command, Option } from 'commander';
import { loadConfig, type Config } from '@aiq/config';
import { TaskErrorCode } from '@aiq/tasks';
import { bulkRetryCommand, type BulkRetryCommandOptions } from './commands/bulk-retry.js';
import {
  listCommand,
  purgeCommand,
  replayCommand,
  showCommand,
  type ReplayCommandOptions,
} from './commands/dlq.js';
import { doctor } from './commands/doctor.js';
import { noticeClearCommand, noticeSetCommand, type NoticeSeverity } from './commands/notice.js';
import { providerListCommand, providerSwitchCommand } from './commands/provider.js';
import { createKey, revokeKey } from './commands/keys.js';
import { retentionSweepCommand } from './commands/retention.js';
import { runbook } from './commands/runbook.js';
import { statusCommand, type StatusCommandOptions } from './commands/status.js';
import { USAGE_GROUPS, usageCommand, type UsageGroup } from './commands/usage.js';
import { retry } from './commands/retry.js';
import { cancel, show, submit, type SubmitOptions } from './commands/tasks.js';
import type { Output } from './output.js';
import {
  collectStatuses,
  parseCount,
  parseDuration,
  parseRate,
  RETRYABLE_STATUSES,
} from './parse-options.js';

type Exit = (code: number) => void;

/** `aiq retry` and `aiq bulk-retry`. */
function addRetryCommands(program: Command, output: Output, exit: Exit, loadEnv: () => Config) {
  program
    .command('retry')
    .description(
      'Retry failed or timed-out tasks on their own ids: pending again with a fresh job, ' +
        'deadline and attempts (exit 1 if any was not retried)',
    )
    .argument('<id...>', 'task ids')
    .option('--json', 'print one outcome per task as JSON')
    .action(async (ids: string[], options: { json?: boolean }) =>
      exit(await retry(loadEnv(), output, ids, options)),
    );

  program
    .command('bulk-retry')
    .description(
      "The runbook's bulk retry, safely: retries matching failed tasks once each, on their own " +
        'ids, skipping errors a retry cannot fix, at a bounded rate',
    )
    .addOption(
      new Option('--status <status>', `${RETRYABLE_STATUSES.join(' or ')}; repeat or comma-list`)
        .argParser(collectStatuses)
        .default(undefined, 'failed'),
    )
    .addOption(
      new Option('--since <duration>', 'created within, e.g. 30m, 1h, 2d, 7d')
        .argParser(parseDuration)
        .default(3_600_000, '1h'),
    )
    .option('--type <type>', 'only this task type, e.g. ai_generation')
    .option('--model <id>', 'only tasks that asked for or ran on this model')
    .addOption(
      new Option('--error-code <code>', 'only tasks that failed with this code').choices(
        TaskErrorCode.options,
      ),
    )
    .addOption(
      new Option('--max-retries <n>', 'only tasks retried fewer times than this')
        .argParser(parseCount(1))
        .default(3),
    )
    .option('--limit <n>', 'at most this many tasks, oldest first', parseCount(0))
    .option('--dry-run', 'report what would be retried and change nothing')
    .option('--rate <n/s>', 'retry at most this many tasks per second, e.g. 50/s', parseRate)
    .option(
      '--include-non-retryable',
      'also retry errors a retry cannot fix (auth, insufficient_quota, content_filtered, …)',
    )
    .option('--json', 'print the summary as JSON')
    .action(async (options: BulkRetryCommandOptions) =>
      exit(await bulkRetryCommand(loadEnv(), output, options)),
    );
}

/** `aiq status` and `aiq usage`: the runbook's diagnosis, and tokens and cost. */
function addStatusCommands(program: Command, output: Output, exit: Exit, loadEnv: () => Config) {
  program
    .command('status')
    .description(
      "The runbook's diagnosis on one screen: severity P0-P3 with its reason, errors by provider, " +
        'model and code, success rate and latency by hour, timeouts, circuits, disabled providers, ' +
        'queue depths, affected users and estimated lost value (exit 1 if Redis or the database is unreachable)',
    )
    .addOption(
      new Option('--since <duration>', 'the window, e.g. 15m, 1h, 1d')
        .argParser(parseDuration)
        .default(3_600_000, '1h'),
    )
    .option('--json', 'print the report as JSON (one line per frame with --watch)')
    .option('--watch', 'redraw every --interval, like top, until Ctrl-C')
    .addOption(
      new Option('--interval <duration>', 'with --watch: time between frames')
        .argParser(parseDuration)
        .default(5_000, '5s'),
    )
    .option('--iterations <n>', 'with --watch: stop after n frames (top -n)', parseCount(1))
    .action(async (options: StatusCommandOptions) =>
      exit(await statusCommand(loadEnv(), output, options)),
    );

  program
    .command('usage')
    .description('Tokens and cost from the ledger, provider calls and cache hits apart')
    .addOption(
      new Option('--since <duration>', 'the window, e.g. 1h, 1d, 7d')
        .argParser(parseDuration)
        .default(86_400_000, '1d'),
    )
    .addOption(new Option('--by <group>', 'group by').choices(USAGE_GROUPS).default('model'))
    .option('--json', 'print rows and totals as JSON')
    .action(async (options: { since: number; by: UsageGroup; json?: boolean }) =>
      exit(await usageCommand(loadEnv(), output, options)),
    );
}

/** `aiq dlq list|show|replay|purge`. */
function addDeadLetterCommands(
  program: Command,
  output: Output,
  exit: Exit,
  loadEnv: () => Config,
) {
  const dlq = program
    .command('dlq')
    .description('Inspect, replay and purge the dead-letter queue (tasks that failed for good)');
  dlq
    .command('list')
    .description('List dead-letter entries, newest first')
    .option('--since <duration>', 'dead-lettered within, e.g. 1h, 1d', parseDuration)
    .option('--json', 'print as JSON')
    .action(async (options: { since?: number; json?: boolean }) =>
      exit(await listCommand(loadEnv(), output, options)),
    );
  dlq
    .command('show')
    .description("Show a task's latest dead-letter entry: payload (without users' text), failures")
    .argument('<taskId>', 'task id, or entry id <taskId>-r<run>')
    .option('--json', 'print as JSON')
    .action(async (id: string, options: { json?: boolean }) =>
      exit(await showCommand(loadEnv(), output, id, options)),
    );
  dlq
    .command('replay')
    .description('Retry the tasks of dead-letter entries not replayed yet (audited as dlq_replay)')
    .argument('[id...]', 'task ids')
    .option('--all', 'every entry not replayed yet')
    .option('--since <duration>', 'with --all: dead-lettered within, e.g. 1d', parseDuration)
    .option('--json', 'print as JSON')
    .action(async (ids: string[], options: ReplayCommandOptions) =>
      exit(await replayCommand(loadEnv(), output, ids, options)),
    );
  dlq
    .command('purge')
    .description('Remove dead-letter entries older than a duration (audited as dlq_purge)')
    .requiredOption('--older-than <duration>', 'e.g. 7d', parseDuration)
    .option('--json', 'print as JSON')
    .action(async (options: { olderThan: number; json?: boolean }) =>
      exit(await purgeCommand(loadEnv(), output, options)),
    );
}

/** `aiq provider list|disable|enable`. */
function addProviderCommands(program: Command, output: Output, exit: Exit, loadEnv: () => Config) {
  const provider = program
    .command('provider')
    .description(
      'Provider routing: circuits and disable switches, as every process routes by them',
    );
  provider
    .command('list')
    .description(
      "Each provider's circuit (closed, open, half_open), consecutive failures, next probe, " +
        'error rate over the last 5 minutes (ai_requests) and disabled flag (who, when, why), ' +
        'and each model whose own circuit has a history or is disabled',
    )
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) =>
      exit(await providerListCommand(loadEnv(), output, options)),
    );
  provider
    .command('disable')
    .description(
      'Switch a provider or model off fleet-wide within 1 s, through the admin API ' +
        '(AIQ_API_URL, operator key in AIQ_API_KEY; recorded in routing_changes)',
    )
    .argument('<name>', 'a provider (openai) or a model id or alias')
    .requiredOption('--reason <text>', 'why, for the audit trail and `provider list`')
    .option('--json', 'print the change as JSON')
    .action(async (name: string, options: { reason: string; json?: boolean }) =>
      exit(await providerSwitchCommand(loadEnv(), output, 'disable', name, options)),
    );
  provider
    .command('enable')
    .description('Switch a disabled provider or model back on fleet-wide, through the admin API')
    .argument('<name>', 'a provider (openai) or a model id or alias')
    .option('--reason <text>', 'why (optional)')
    .option('--json', 'print the change as JSON')
    .action(async (name: string, options: { reason?: string; json?: boolean }) =>
      exit(await providerSwitchCommand(loadEnv(), output, 'enable', name, options)),
    );
}

/** `aiq notice set|clear`. */
function addNoticeCommands(program: Command, output: Output, exit: Exit, loadEnv: () => Config) {
  const notice = program
    .command('notice')
    .description(
      "The notice users see at GET /api/status (the runbook's notify-users step), set through " +
        'the admin API (AIQ_API_URL, AIQ_API_KEY)',
    );
  notice
    .command('set')
    .description('Set the notice (replacing any), recorded in operator_actions')
    .argument('<message>', 'what users should read')
    .addOption(
      new Option('--severity <severity>', 'how bad it is')
        .choices(['minor', 'major'])
        .default('minor'),
    )
    .option('--json', 'print the notice as JSON')
    .action(async (message: string, options: { severity: NoticeSeverity; json?: boolean }) =>
      exit(await noticeSetCommand(loadEnv(), output, message, options)),
    );
  notice
    .command('clear')
    .description('Clear the notice, recorded in operator_actions')
    .option('--json', 'print the outcome as JSON')
    .action(async (options: { json?: boolean }) =>
      exit(await noticeClearCommand(loadEnv(), output, options)),
    );
}

/**
 * The `aiq` command tree. Each action sets `process.exitCode`-style results through `exit`,
 * so tests can run the program in-process.
 */
export function createProgram(
  output: Output,
  exit: Exit,
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
      'Check Redis (reachability, eviction policy, persistence), the database and migrations, ' +
        "provider keys and reachability (models list, latency), each provider's circuit and " +
        'disabled flag, and the models in use near end of life (never prints a key)',
    )
    .option('--json', 'print the findings as JSON')
    .action(async (options: { json?: boolean }) => exit(await doctor(loadEnv(), output, options)));

  addStatusCommands(program, output, exit, loadEnv);

  addProviderCommands(program, output, exit, loadEnv);
  addNoticeCommands(program, output, exit, loadEnv);

  program
    .command('retention')
    .description('Retention of jobs, dead letters and prompts')
    .command('sweep')
    .description(
      'Remove jobs and dead letters past their retention and erase prompts past PROMPT_RETENTION_DAYS, now',
    )
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) =>
      exit(await retentionSweepCommand(loadEnv(), output, options)),
    );

  program
    .command('runbook')
    .description("Run one of the on-call runbook's SQL queries by name (no name: list them)")
    .argument('[query]', 'query name, e.g. requestFailures')
    .option('--json', 'print rows (no name: the names) as JSON')
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
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, options: { json?: boolean }) =>
      exit(await revokeKey(loadEnv(), output, id, options)),
    );

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
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, options: { json?: boolean }) =>
      exit(await cancel(loadEnv(), output, id, options)),
    );

  addRetryCommands(program, output, exit, loadEnv);
  addDeadLetterCommands(program, output, exit, loadEnv);
  return program;
}
