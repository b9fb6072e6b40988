import type { Config } from '@aiq/config';
import {
  findDeadLetter,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  type DeadLetter,
  type DeadLetterSelection,
} from '@aiq/tasks';
import { describeOutcome, inGivenOrder } from '../describe-outcome.js';
import { formatDuration } from '../format-duration.js';
import { renderTable, type Output } from '../output.js';
import { createProgress } from '../progress-bar.js';
import { redactPayload } from '../redact-payload.js';
import { cliOperator, withTaskDeps } from '../task-deps.js';

function replayedText(entry: DeadLetter): string {
  const { replayed } = entry;
  if (replayed === undefined) return 'no';
  return `${new Date(replayed.at).toISOString()} by ${replayed.by} via ${replayed.door}`;
}

/** One line of `dlq list`, the same fields in the table and in JSON. */
function summaryOf(entry: DeadLetter) {
  return {
    task_id: entry.taskId,
    run: entry.retry,
    queue: entry.queue,
    failures: entry.failures.length,
    last_error: entry.failures.at(-1)?.errorCode ?? null,
    dead_lettered_at: new Date(entry.deadLetteredAt).toISOString(),
    state: entry.state,
    replayed: replayedText(entry),
  };
}

/** `aiq dlq list [--since 1d]`: the dead-letter entries, newest first. */
export async function listCommand(
  config: Config,
  output: Output,
  { since, json = false }: { since?: number; json?: boolean },
): Promise<number> {
  const entries = await withTaskDeps(config, ({ queues }) =>
    listDeadLetters(queues, since === undefined ? {} : { sinceMs: since }),
  );
  const rows = entries.map(summaryOf);
  output.write(json ? JSON.stringify(rows) : renderTable(rows));
  return 0;
}

/** `aiq dlq show <taskId>`: an entry with its payload (minus what users wrote) and failures. */
export async function showCommand(
  config: Config,
  output: Output,
  id: string,
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  const entry = await withTaskDeps(config, (deps) => findDeadLetter(deps, id));
  if (entry === undefined) {
    output.error(`No dead-letter entry for ${id}`);
    return 1;
  }
  const payload = redactPayload(entry.payload);
  if (json) {
    output.write(JSON.stringify({ ...entry, payload }));
    return 0;
  }
  const failures = entry.failures.map((failure) => ({
    attempt: failure.attempt,
    at: new Date(failure.at).toISOString(),
    error_code: failure.errorCode,
    message: failure.message,
  }));
  output.write(
    [
      `Dead letter ${entry.id} (task ${entry.taskId}, run ${entry.retry})`,
      `Queue:            ${entry.queue}`,
      `State:            ${entry.state}`,
      `Dead-lettered at: ${new Date(entry.deadLetteredAt).toISOString()}`,
      `Replayed:         ${replayedText(entry)}`,
      `Payload:\n${JSON.stringify(payload, null, 2)}`,
      `Failures:\n${renderTable(failures)}`,
    ].join('\n'),
  );
  return 0;
}

/** Options of `aiq dlq replay`. */
export interface ReplayCommandOptions {
  all?: boolean;
  since?: number;
  json?: boolean;
}

/**
 * `aiq dlq replay <id…>` or `--all [--since 1d]`: retries the tasks of entries not replayed yet
 * (door `dlq`, one audit row). Exit 1 when a named task was not retried.
 */
export async function replayCommand(
  config: Config,
  output: Output,
  taskIds: readonly string[],
  { all = false, since, json = false }: ReplayCommandOptions,
): Promise<number> {
  if (all === taskIds.length > 0) {
    output.error('give task ids, or --all (with --since to take only recent entries)');
    return 2;
  }
  if (!all && since !== undefined) {
    output.error('--since goes with --all');
    return 2;
  }
  const selection: DeadLetterSelection = all
    ? { all: true, ...(since === undefined ? {} : { sinceMs: since }) }
    : { taskIds };
  const progress = createProgress(output, 'Replaying');
  const summary = await withTaskDeps(config, (deps) =>
    replayDeadLetters(deps, selection, cliOperator(), {
      onProgress: (done, total) => progress.update(done, total),
    }),
  ).finally(() => progress.stop());
  const outcomes = all ? summary.outcomes : inGivenOrder(taskIds, summary.outcomes);
  if (json) {
    output.write(JSON.stringify({ ...summary, outcomes }));
  } else {
    for (const outcome of outcomes) output.write(describeOutcome(outcome));
    output.write(`Replayed ${summary.retried} of ${summary.matched}`);
  }
  return all || summary.retried === summary.matched ? 0 : 1;
}

/** `aiq dlq purge --older-than 7d`: removes old entries, replayed or not (one audit row). */
export async function purgeCommand(
  config: Config,
  output: Output,
  { olderThan, json = false }: { olderThan: number; json?: boolean },
): Promise<number> {
  const summary = await withTaskDeps(config, (deps) =>
    purgeDeadLetters(deps, { olderThanMs: olderThan }, cliOperator()),
  );
  if (json) {
    output.write(JSON.stringify(summary));
  } else {
    output.write(
      `Purged ${summary.purged} dead-letter entries older than ${formatDuration(olderThan)}` +
        ` (${summary.notReplayed} never replayed; their tasks can still be retried by id)`,
    );
    const left = summary.matched - summary.purged;
    if (left > 0) output.error(`${left} entries were being recorded and stay for the next purge`);
  }
  return 0;
}
