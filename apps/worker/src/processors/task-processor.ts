import type { RetryPolicy } from '@aiq/config';
import { reportError } from '@aiq/logger';
import { cancelKey } from '@aiq/tasks';
import { DelayedError, type Job, type Processor, type Queue } from 'bullmq';
import { ABORT_REASON } from '../abort-reason.js';
import { SettledByRouting } from '../generation/route-generation.js';
import { FailedAttempt } from '../generation/run-provider-attempt.js';
import type { WorkerDeps } from '../worker-deps.js';
import { applyFailureDecision } from './attempt-failure.js';
import { decideAfterFailure, type FailureDecision } from './decide-after-failure.js';
import { EndedByCancel, finishCancelled, JobLockLost, type HandledOutcome } from './task-end.js';

/** What every task job carries. */
interface TaskJobData {
  readonly taskId: string;
  /** Epoch ms: the whole task's deadline. */
  readonly deadlineAt: number;
  /** The task's run: its `retry_count` when the job was made. */
  readonly retry: number;
}

/** One attempt's facts, for the job type's `attempt`. */
export interface AttemptContext {
  /** 1-based. */
  readonly attempt: number;
  /** BullMQ's `attemptsStarted`: tells runs of the same attempt apart (ledger row ids). */
  readonly run: number;
  /** Aborted on cancel (reason `cancelled`) or shutdown (reason `shutdown`). */
  readonly signal: AbortSignal;
  /** The BullMQ job, to move it (`moveToDelayed`) when the attempt must wait uncharged. */
  readonly job: Job;
  /** The job's lock token, for `moveToDelayed`. */
  readonly token: string | undefined;
}

/** What differs between job types; the rest of a processor is {@link createTaskProcessor}. */
export interface TaskJobType<Data extends TaskJobData, Completed> {
  /** Validates the job's data; throws for a job that can never run. */
  parse(data: unknown): Data;
  /** The job type's retry policy. */
  readonly retry: RetryPolicy;
  /** The provider queue a retry-after holds as a whole; undefined where providers mix. */
  holdQueue(job: Job): Queue | undefined;
  /**
   * The ensemble candidate a job is, if it is one: its `retrying` and `reset` events name it,
   * since the task's other candidates go on.
   */
  candidateModel?(data: Data): string | undefined;
  /**
   * One attempt: publishes `started`, does the work, records and announces success. Throws on
   * failure (`FailedAttempt` carries the text streamed before it).
   */
  attempt(data: Data, context: AttemptContext): Promise<Completed>;
  /** The end of a task that failed for good: fall back to another model, or dead-letter and report. */
  finish(
    data: Data,
    job: Job,
    error: unknown,
    decision: Extract<FailureDecision, { kind: 'final' }>,
  ): Promise<HandledOutcome | Error>;
}

async function cancelRequested(deps: WorkerDeps, taskId: string): Promise<boolean> {
  return (await deps.redis.exists(cancelKey(deps.config.redis.prefix, taskId))) === 1;
}

/**
 * The one processor skeleton (house style R11): the cancel check, the job type's attempt, and
 * on failure the pure {@link decideAfterFailure}, applied in one place.
 */
export function createTaskProcessor<Data extends TaskJobData, Completed>(
  deps: WorkerDeps,
  type: TaskJobType<Data, Completed>,
): Processor<unknown, Completed | HandledOutcome> {
  // Three parameters on purpose: BullMQ only passes `signal` when processor.length >= 3.
  return async function processTask(job, token, signal) {
    const data = type.parse(job.data);
    const abortSignal = signal ?? new AbortController().signal;
    if (await cancelRequested(deps, data.taskId)) return finishCancelled(deps, data);
    const attempt = job.attemptsMade + 1;
    try {
      return await type.attempt(data, {
        attempt,
        run: job.attemptsStarted,
        signal: abortSignal,
        job,
        token,
      });
    } catch (thrown) {
      // Routing moved the job to wait (no attempt charged), or settled the task without a call.
      if (thrown instanceof DelayedError) throw thrown;
      if (thrown instanceof SettledByRouting) {
        if (thrown.settled instanceof Error) throw thrown.settled;
        return thrown.settled;
      }
      if (thrown instanceof EndedByCancel) return { status: 'cancelled' }; // recorded as such
      // Another worker owns the job now: record nothing, and let BullMQ refuse this worker's
      // move (its token no longer matches).
      if (thrown instanceof JobLockLost) throw thrown;
      const error = thrown instanceof FailedAttempt ? thrown.error : thrown;
      const shuttingDown = abortSignal.aborted && abortSignal.reason === ABORT_REASON.shutdown;
      const cancelled =
        !shuttingDown &&
        ((abortSignal.aborted && abortSignal.reason === ABORT_REASON.cancelled) ||
          (await cancelRequested(deps, data.taskId)));
      const holdQueue = type.holdQueue(job);
      const decision = decideAfterFailure({
        error,
        shuttingDown,
        cancelled,
        attempt,
        maxAttempts: job.opts.attempts ?? 1,
        deadlineAt: data.deadlineAt,
        now: Date.now(),
        retry: type.retry,
        canHoldProvider: holdQueue !== undefined,
        retryAfterMaxMs: deps.config.retryAfter.maxMs,
      });
      if (decision.kind === 'final' && decision.code === 'internal_error') {
        reportError(error, { taskId: data.taskId, queue: job.queueName, attempt });
      }
      const partialText = thrown instanceof FailedAttempt ? thrown.partialText : '';
      const handled = await applyFailureDecision(
        deps,
        {
          job,
          token,
          taskId: data.taskId,
          retry: data.retry,
          attempt,
          error,
          partialText,
          holdQueue,
          candidateModel: type.candidateModel?.(data),
        },
        decision,
        (final) => type.finish(data, job, error, final),
      );
      if (handled instanceof Error) throw handled;
      return handled;
    }
  };
}
