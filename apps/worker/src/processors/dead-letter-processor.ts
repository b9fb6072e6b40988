import { DeadLetterJob } from '@aiq/queue';
import type { Processor } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.js';
import { recordTaskEnd } from './task-end.js';

/**
 * The dead-letter queue's consumer: makes sure the ledger says the task failed, with its last
 * error (the failing worker records it too; the first terminal write wins). The job stays in
 * the queue's completed list as the dead letter, with its payload and every attempt's error,
 * for operators to inspect and replay.
 */
export function createDeadLetterProcessor(
  deps: WorkerDeps,
): Processor<unknown, { recorded: true }> {
  return async function deadLetter(job) {
    const data = DeadLetterJob.parse(job.data);
    const last = data.failures.at(-1);
    await recordTaskEnd(deps, {
      kind: 'finished',
      taskId: data.taskId,
      retry: data.retry,
      status: last?.errorCode === 'timeout' ? 'timeout' : 'failed',
      ...(last === undefined ? {} : { errorCode: last.errorCode, errorMessage: last.message }),
      at: data.deadLetteredAt,
    });
    deps.logger.warn(
      {
        taskId: data.taskId,
        queue: data.queue,
        attempts: data.failures.length,
        errorCode: last?.errorCode,
      },
      'task dead-lettered',
    );
    await Promise.resolve();
    return { recorded: true };
  };
}
