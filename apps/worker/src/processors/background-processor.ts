import { BackgroundTaskJob } from '@aiq/queue';
import type { CompletedReceipt } from '@aiq/tasks';
import { UnrecoverableError } from 'bullmq';
import { announceStart, clearPartialOutput } from '../generation/partial-output-marker.js';
import { createTaskContext } from '../tasks/create-task-context.js';
import type { TaskHandler } from '../tasks/task-registry.js';
import type { WorkerDeps } from '../worker-deps.js';
import { reportFinalFailure } from './attempt-failure.js';
import { sendToDeadLetter } from './dead-letter.js';
import { EndedByCancel, recordTaskEnd } from './task-end.js';
import { createTaskProcessor, type AttemptContext } from './task-processor.js';

/** A finished background task, as its job returns it: a receipt, not its result (see generate). */
type CompletedBackgroundTask = CompletedReceipt;

/** The processor of the background-task queue: looks the type up and runs its handler. */
export function createBackgroundProcessor(deps: WorkerDeps) {
  return createTaskProcessor(deps, {
    parse(data) {
      const job = BackgroundTaskJob.parse(data);
      // Before the attempt: a type this worker does not know can never run here.
      if (!deps.tasks.get(job.type)) {
        throw new UnrecoverableError(`unknown_task_type: no handler for "${job.type}"`);
      }
      return job;
    },
    retry: deps.config.retry.background,
    // Calls to several providers: each waits out a retry-after inside the attempt.
    holdQueue: () => undefined,
    attempt: (data, context) => runBackgroundAttempt(deps, data, context),
    async finish(data, _job, error, decision) {
      await sendToDeadLetter(deps, {
        taskId: data.taskId,
        retry: data.retry,
        queue: 'background-task',
        payload: data,
        failureQueues: ['background-task'],
      });
      return reportFinalFailure(deps, data, error, decision);
    },
  });
}

/** Announces the attempt, runs the type's handler, and records and announces its result. */
async function runBackgroundAttempt(
  deps: WorkerDeps,
  data: BackgroundTaskJob,
  { attempt, run, signal, job }: AttemptContext,
): Promise<CompletedBackgroundTask> {
  const handler = deps.tasks.get(data.type) as TaskHandler; // parse refused unknown types
  await deps.ledger.updateTask({
    kind: 'started',
    taskId: data.taskId,
    retry: data.retry,
    attempt,
    at: Date.now(),
  });
  const holder = await announceStart(deps, data.taskId, {
    type: 'started',
    attempt,
    provider: 'background',
    model: data.type,
  });
  const { context, usage } = await createTaskContext(deps, data, {
    attempt,
    run,
    signal,
    job,
    holder,
  });
  const { definition } = handler;
  // The result is checked before it is stored: the reconciler and clients parse it back.
  const result: unknown = definition.result.parse(
    await handler.run(definition.input.parse(data.input), context),
  );
  const recorded = await recordTaskEnd(deps, {
    kind: 'finished',
    taskId: data.taskId,
    retry: data.retry,
    status: 'completed',
    result,
    at: Date.now(),
  });
  if (!recorded) throw new EndedByCancel(data.taskId);
  await deps.events.publish(
    data.taskId,
    {
      type: 'done',
      model: usage.lastModel ?? data.type,
      finishReason: 'stop',
      usage:
        usage.calls === 0
          ? null
          : { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
      ...(usage.calls === 0 || usage.costUsd === null ? {} : { costUsd: usage.costUsd }),
      result,
    },
    { run: data.retry, holder },
  );
  await clearPartialOutput(deps, data.taskId);
  return { status: 'completed', recorded: true };
}
