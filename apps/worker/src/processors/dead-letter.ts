import { AttemptFailure, deadLetterJobId, enqueue, type QueueName } from '@aiq/queue';
import type { Job } from 'bullmq';
import { z } from 'zod';
import type { WorkerDeps } from '../worker-deps.js';

// Each failed attempt is appended to its job's BullMQ log as one JSON line, so the record
// survives the worker (it lives in Redis with the job) and the dead-letter entry can list all.
const FailureLogLine = z.object({ attemptFailure: AttemptFailure });

/** Appends one attempt's failure to the job's log. */
export async function logAttemptFailure(job: Job, failure: AttemptFailure): Promise<void> {
  await job.log(JSON.stringify({ attemptFailure: failure }));
}

/** Every failure logged for a task on the given queues, oldest first. */
async function readAttemptFailures(
  deps: WorkerDeps,
  taskId: string,
  queueNames: readonly QueueName[],
): Promise<AttemptFailure[]> {
  const failures: AttemptFailure[] = [];
  for (const name of queueNames) {
    const { logs } = await deps.queues[name].getJobLogs(taskId);
    for (const line of logs) {
      try {
        failures.push(FailureLogLine.parse(JSON.parse(line)).attemptFailure);
      } catch {
        // Another kind of log line.
      }
    }
  }
  return failures.sort((left, right) => left.at - right.at);
}

/**
 * Moves a task that failed for good to the dead-letter queue with its payload and every
 * attempt's error. Job id = task id (and run), so a worker that crashed after this call and
 * whose job is re-run adds nothing twice.
 */
export async function sendToDeadLetter(
  deps: WorkerDeps,
  {
    taskId,
    retry,
    queue,
    payload,
    failureQueues,
  }: {
    taskId: string;
    retry: number;
    queue: QueueName;
    payload: unknown;
    failureQueues: readonly QueueName[];
  },
): Promise<void> {
  const failures = await readAttemptFailures(deps, taskId, failureQueues);
  // One entry per run that failed for good: a retried task that fails again gets a new one.
  await enqueue(
    deps.queues,
    'dead-letter',
    { taskId, retry, queue, payload, failures, deadLetteredAt: Date.now() },
    { jobId: deadLetterJobId(taskId, retry) },
  );
}
