import type { Config } from '@aiq/config';
import { eraseOldPrompts, type Database, type ErasedPrompts } from '@aiq/db';
import { cleanFinishedJobs, type QueueName, type Queues } from '@aiq/queue';

const DAY_MS = 86_400_000;

/** What one retention sweep removed. */
export interface RetentionReport {
  /** Finished jobs and dead letters past their age, per queue. */
  readonly removedJobs: Readonly<Record<QueueName, number>>;
  /** Ledger rows whose prompt and response were erased; undefined when they are kept forever. */
  readonly erasedPrompts: ErasedPrompts | undefined;
}

/** What a sweep reads and changes. */
export interface RetentionDeps {
  readonly config: Pick<Config, 'retention'>;
  readonly queues: Queues;
  readonly database: Database;
}

/**
 * The retention sweep, run by one worker of the fleet on the maintenance queue (and once by
 * `aiq retention sweep`): removes jobs and
 * dead letters past `JOBS_KEEP_*`/`DEAD_LETTER_KEEP_*` from Redis, and erases the prompts and
 * responses the ledger has kept longer than `PROMPT_RETENTION_DAYS` (personal data).
 * @param now the clock, injected so tests never depend on today
 */
export async function sweepRetention(
  deps: RetentionDeps,
  { now = Date.now() }: { now?: number } = {},
): Promise<RetentionReport> {
  const { retention } = deps.config;
  const removedJobs = await cleanFinishedJobs(deps.queues, retention);
  const erasedPrompts =
    retention.promptDays === undefined
      ? undefined
      : await eraseOldPrompts(deps.database, {
          before: new Date(now - retention.promptDays * DAY_MS),
        });
  return { removedJobs, erasedPrompts };
}
