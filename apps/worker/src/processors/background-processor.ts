import { BackgroundTaskJob, cancelKey } from '@aiq/queue';
import { UnrecoverableError, type Processor } from 'bullmq';
import { FailedAttempt } from '../generation/run-provider-attempt.js';
import { createTaskContext } from '../tasks/create-task-context.js';
import type { WorkerDeps } from '../worker-deps.js';
import { resetPartialOutput } from '../generation/partial-output-marker.js';
import {
  finishCancelled,
  handleAttemptFailure,
  reportFinalFailure,
  type HandledOutcome,
} from './attempt-failure.js';
import { sendToDeadLetter } from './dead-letter.js';

/** What a background job returns. */
export type BackgroundOutcome =
  HandledOutcome | { readonly status: 'completed'; readonly result: unknown };

/** The processor of the background-task queue: looks the type up and runs its handler. */
export function createBackgroundProcessor(deps: WorkerDeps): Processor<unknown, BackgroundOutcome> {
  // Three parameters on purpose: BullMQ only passes `signal` when processor.length >= 3.
  return async function background(job, token, signal) {
    const data = BackgroundTaskJob.parse(job.data);
    const abortSignal = signal ?? new AbortController().signal;
    if ((await deps.redis.exists(cancelKey(deps.config.redis.prefix, data.taskId))) === 1) {
      return finishCancelled(deps, data.taskId);
    }
    const handler = deps.tasks.get(data.type);
    if (handler === undefined) {
      throw new UnrecoverableError(`unknown_task_type: no handler for "${data.type}"`);
    }
    const attempt = job.attemptsMade + 1;
    await deps.ledger.updateTask({ kind: 'started', taskId: data.taskId, attempt, at: Date.now() });
    await resetPartialOutput(deps, data.taskId, attempt); // after a run that died mid-stream
    await deps.events.publish(data.taskId, {
      type: 'started',
      attempt,
      provider: 'background',
      model: data.type,
    });
    const { context, usage } = await createTaskContext(deps, data, {
      attempt,
      run: job.attemptsStarted,
      signal: abortSignal,
    });
    try {
      const result = await handler.run(handler.input.parse(data.input), context);
      await deps.ledger.updateTask({
        kind: 'finished',
        taskId: data.taskId,
        status: 'completed',
        result,
        at: Date.now(),
      });
      await deps.events.publish(data.taskId, {
        type: 'done',
        model: usage.lastModel ?? data.type,
        finishReason: 'stop',
        usage:
          usage.calls === 0
            ? null
            : { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
        result,
      });
      return { status: 'completed', result };
    } catch (error) {
      const handled = await handleAttemptFailure(
        {
          deps,
          job,
          token,
          rateLimitQueue: undefined,
          retry: deps.config.retry.background,
          taskId: data.taskId,
          attempt,
          maxAttempts: job.opts.attempts ?? 1,
          deadlineAt: data.deadlineAt,
          signal: abortSignal,
          async onFinal(finalError, status) {
            await sendToDeadLetter(deps, {
              taskId: data.taskId,
              queue: 'background-task',
              payload: data,
              failureQueues: ['background-task'],
            });
            return reportFinalFailure(deps, data.taskId, finalError, status);
          },
        },
        error instanceof FailedAttempt ? error.error : error,
        error instanceof FailedAttempt ? error.partialText : '',
      );
      if (handled instanceof Error) throw handled;
      return handled;
    }
  };
}
