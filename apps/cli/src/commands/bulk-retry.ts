import type { Config } from '@aiq/config';
import { bulkRetry, type BulkRetryFilters, type BulkRetrySummary } from '@aiq/tasks';
import { formatDuration } from '../format-duration.js';
import type { Output } from '../output.js';
import type { RetryableStatus } from '../parse-options.js';
import { createProgress } from '../progress-bar.js';
import { cliOperator, withTaskDeps } from '../task-deps.js';

/** Options of `aiq bulk-retry`, as commander parsed them. */
export interface BulkRetryCommandOptions {
  /** Absent: failed only. */
  status?: RetryableStatus[];
  /** Milliseconds. */
  since: number;
  type?: string;
  model?: string;
  errorCode?: string;
  maxRetries: number;
  limit?: number;
  dryRun?: boolean;
  /** Tasks per second. */
  rate?: number;
  includeNonRetryable?: boolean;
  json?: boolean;
}

function filtersOf(options: BulkRetryCommandOptions): BulkRetryFilters {
  return {
    sinceMs: options.since,
    maxRetries: options.maxRetries,
    ...(options.status === undefined ? {} : { statuses: options.status }),
    ...(options.type === undefined ? {} : { type: options.type }),
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.errorCode === undefined ? {} : { errorCode: options.errorCode }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.includeNonRetryable ? { includeNonRetryable: true } : {}),
  };
}

/** The human summary: what matched, what was (or would be) retried, and why the rest was not. */
function describeSummary(options: BulkRetryCommandOptions, summary: BulkRetrySummary): string[] {
  const where = [
    `${(options.status ?? ['failed']).join(' or ')} tasks created in the last ${formatDuration(options.since)}`,
    `retried fewer than ${options.maxRetries} times`,
    options.type === undefined ? undefined : `type ${options.type}`,
    options.model === undefined ? undefined : `model ${options.model}`,
    options.errorCode === undefined ? undefined : `error ${options.errorCode}`,
  ].filter((part) => part !== undefined);
  const skipped = Object.entries(summary.skipped);
  const skippedCount = skipped.reduce((sum, [, count]) => sum + count, 0);
  return [
    `Matched ${summary.matched}: ${where.join(', ')}`,
    summary.dryRun
      ? `Dry run: would retry ${summary.taskIds.length}; nothing changed`
      : `Retried ${summary.retried}`,
    `Skipped ${skippedCount}${skipped.length === 0 ? '' : ': '}${skipped
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ')}`,
    ...(summary.retriedByEarlierRun === 0
      ? []
      : [
          `${summary.retriedByEarlierRun} already retried by an earlier bulk retry that did not finish: not matched again`,
        ]),
  ];
}

/**
 * `aiq bulk-retry`: the runbook's bulk retry done safely (see `bulkRetry`): the codes a retry
 * cannot fix are skipped, each task keeps its id and is retried at most once per run, at a
 * bounded rate, with one audit row. A progress bar on a terminal; a summary or `--json` after.
 */
export async function bulkRetryCommand(
  config: Config,
  output: Output,
  options: BulkRetryCommandOptions,
): Promise<number> {
  const progress = createProgress(output, 'Retrying');
  let summary: BulkRetrySummary;
  try {
    summary = await withTaskDeps(config, (deps) =>
      bulkRetry(
        deps,
        filtersOf(options),
        { door: 'cli', by: cliOperator() },
        {
          dryRun: options.dryRun ?? false,
          ...(options.rate === undefined ? {} : { ratePerSecond: options.rate }),
          onProgress: (done, total) => progress.update(done, total),
        },
      ),
    );
  } finally {
    progress.stop();
  }
  if (options.json) output.write(JSON.stringify(summary));
  else for (const line of describeSummary(options, summary)) output.write(line);
  return 0;
}
