import { assertNever } from '@aiq/providers';
import type { ReplayOutcome } from '@aiq/tasks';

/** One line per task for `aiq retry` and `aiq dlq replay`: the task id, then what happened. */
export function describeOutcome(outcome: ReplayOutcome): string {
  switch (outcome.result) {
    case 'retried':
      return `${outcome.taskId}  retried: pending on ${outcome.queue}, retry ${outcome.retryCount}`;
    case 'open':
      return `${outcome.taskId}  already open (${outcome.status}): nothing changed`;
    case 'not_retryable':
      return `${outcome.taskId}  not retryable: ${outcome.status}; only failed or timed-out tasks are retried`;
    case 'not_found':
      return `${outcome.taskId}  not found`;
    case 'not_dead_lettered':
      return `${outcome.taskId}  not in the dead-letter queue`;
    case 'already_replayed':
      return (
        `${outcome.taskId}  already replayed by ${outcome.replayed.by} via ${outcome.replayed.door} ` +
        `at ${new Date(outcome.replayed.at).toISOString()}`
      );
    default:
      return assertNever(outcome);
  }
}

/** Puts outcomes back in the order the ids were given (a library may group them). */
export function inGivenOrder<T extends { taskId: string }>(
  ids: readonly string[],
  outcomes: readonly T[],
): T[] {
  const position = new Map(ids.map((id, index) => [id, index]));
  return [...outcomes].sort(
    (left, right) =>
      (position.get(left.taskId) ?? ids.length) - (position.get(right.taskId) ?? ids.length),
  );
}
