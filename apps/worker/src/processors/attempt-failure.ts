import { ProviderError } from '@aiq/providers';
import type { TaskErrorCode } from '@aiq/queue';
import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import { errorMessageOf } from '../error-code.js';
import { holdProvider } from '../generation/hold-provider.js';
import { RetryAttemptError } from '../retry-policy.js';
import type { WorkerDeps } from '../worker-deps.js';
import { announceRetry } from './announce-retry.js';
import { logAttemptFailure } from './dead-letter.js';
import { finishCancelled, recordTaskEnd, type HandledOutcome } from './task-end.js';
import type { FailureDecision } from './decide-after-failure.js';

/** A task's run: its id, and its `retry_count` when the job was made (its ledger writes carry it). */
export interface TaskRun {
  readonly taskId: string;
  readonly retry: number;
}

/** Reports a final failure: `error` event, ledger row marked, job failed without retries. */
export async function reportFinalFailure(
  deps: WorkerDeps,
  { taskId, retry }: TaskRun,
  error: unknown,
  { status, code }: { status: 'failed' | 'timeout'; code: TaskErrorCode },
): Promise<Error | HandledOutcome> {
  const message = errorMessageOf(error);
  const retryable = ProviderError.isInstance(error) ? error.retryable : false;
  const recorded = await recordTaskEnd(deps, {
    kind: 'finished',
    taskId,
    retry,
    status,
    errorCode: code,
    errorMessage: message,
    at: Date.now(),
  });
  if (!recorded) return { status: 'cancelled' };
  await deps.events.publish(taskId, { type: 'error', code, message, retryable }, { run: retry });
  return new UnrecoverableError(`${code}: ${message}`);
}

/** The failed attempt a decision is applied to. */
export interface FailedJob extends TaskRun {
  readonly job: Job;
  readonly token: string | undefined;
  /** 1-based number of the attempt that failed. */
  readonly attempt: number;
  readonly error: unknown;
  /** Text the failed call streamed before it failed; a retry tells the client to discard it. */
  readonly partialText: string;
  /** The provider queue a `hold-provider` decision holds. */
  readonly holdQueue: Queue | undefined;
  /** Set for an ensemble candidate: its retry is announced under its model. */
  readonly candidateModel?: string | undefined;
}

/**
 * The one place a {@link FailureDecision} is carried out: what BullMQ is told (an outcome to
 * return, or an error to throw) and what the client and the dead-letter record hear. A `final`
 * decision is handed to `finish`, the job type's own ending (fall back, or dead-letter and report).
 */
export async function applyFailureDecision(
  deps: WorkerDeps,
  failed: FailedJob,
  decision: FailureDecision,
  finish: (
    decision: Extract<FailureDecision, { kind: 'final' }>,
  ) => Promise<HandledOutcome | Error>,
): Promise<HandledOutcome | Error> {
  const { job, taskId, error, partialText } = failed;
  const message = errorMessageOf(error);
  if (decision.kind === 'retry' || decision.kind === 'final') {
    // A charged attempt: its error joins the job's record, which a dead-letter entry lists.
    await logAttemptFailure(job, {
      attempt: failed.attempt,
      at: Date.now(),
      errorCode: decision.code,
      message,
    });
  }
  switch (decision.kind) {
    case 'hand-back':
      // Back to the queue untouched: no attempt charged; another worker takes it after the delay.
      await job.moveToDelayed(Date.now() + decision.delayMs, failed.token);
      return new DelayedError();
    case 'cancelled':
      return finishCancelled(deps, failed);
    case 'hold-provider':
      if (failed.holdQueue === undefined) throw new Error('hold-provider without a provider queue');
      await holdProvider(deps, failed.holdQueue, {
        taskId,
        attempt: failed.attempt,
        holdMs: decision.holdMs,
        code: decision.code,
        partialText,
        model: failed.candidateModel,
      });
      return Worker.RateLimitError(); // the attempt is not charged
    case 'retry': {
      const { attempt, delayMs, code } = decision;
      await announceRetry(
        deps,
        taskId,
        { attempt, delayMs, code, model: failed.candidateModel },
        partialText,
      );
      return new RetryAttemptError(message, code, delayMs);
    }
    case 'final':
      return finish(decision);
  }
}
