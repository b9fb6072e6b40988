import type { Config } from '@aiq/config';
import { retryTasks } from '@aiq/tasks';
import { describeOutcome, inGivenOrder } from '../describe-outcome.js';
import type { Output } from '../output.js';
import { cliOperator, withTaskDeps } from '../task-deps.js';

/**
 * `aiq retry <id…>`: retries failed or timed-out tasks on their own ids, as the API and Bull
 * Board do (door `cli`, one audit row). One line per task; exit 1 if any was not retried.
 */
export async function retry(
  config: Config,
  output: Output,
  taskIds: readonly string[],
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  const outcomes = await withTaskDeps(config, (deps) =>
    retryTasks(deps, taskIds, { door: 'cli', by: cliOperator() }),
  );
  const ordered = inGivenOrder(taskIds, outcomes);
  if (json) output.write(JSON.stringify(ordered));
  else for (const outcome of ordered) output.write(describeOutcome(outcome));
  return ordered.every((outcome) => outcome.result === 'retried') ? 0 : 1;
}
