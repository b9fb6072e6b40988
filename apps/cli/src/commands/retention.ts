import type { Config } from '@aiq/config';
import { sweepRetention } from '@aiq/tasks';
import type { Output } from '../output.js';
import { withTaskDeps } from '../task-deps.js';

/**
 * `aiq retention sweep`: runs the workers' retention sweep once, now: removes jobs and dead
 * letters past `JOBS_KEEP_*`/`DEAD_LETTER_KEEP_*` and erases prompts past
 * `PROMPT_RETENTION_DAYS`. Safe beside the scheduled one: both remove only what is past its age.
 */
export async function retentionSweepCommand(
  config: Config,
  output: Output,
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  const report = await withTaskDeps(config, (deps) => sweepRetention(deps));
  if (json) {
    output.write(JSON.stringify(report));
    return 0;
  }
  const jobs = Object.values(report.removedJobs).reduce((sum, count) => sum + count, 0);
  output.write(`Removed ${jobs} finished jobs and dead-letter entries past their retention`);
  const { erasedPrompts } = report;
  output.write(
    erasedPrompts === undefined
      ? 'Prompts and responses are kept (PROMPT_RETENTION_DAYS is unset)'
      : `Erased the prompts and responses of ${erasedPrompts.requests} requests and ${erasedPrompts.tasks} tasks older than ${config.retention.promptDays} days`,
  );
  return 0;
}
