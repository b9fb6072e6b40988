import type { Config, RetryPolicy } from '@aiq/config';
import { backgroundTasks, type Database } from '@aiq/db';
import type { TaskEventPublisher } from '@aiq/events';
import { checkFits, outputBudget, type ModelRegistry } from '@aiq/providers';
import { and, eq, sql } from 'drizzle-orm';
import type { ChatMessage, QueueName, Queues } from '@aiq/queue';
import { enqueueTaskJob, taskJobFor } from './task-job.js';
import {
  builtInTaskTypes,
  GENERATION_TASK_TYPE,
  UnknownTaskTypeError,
  type TaskTypeSchemas,
} from './task-types.js';

/** What {@link submitTask} needs. The API, the CLI, the workers and the tests all pass these. */
export interface SubmitDeps {
  readonly database: Database;
  readonly queues: Queues;
  readonly registry: ModelRegistry;
  readonly config: Pick<Config, 'timeouts' | 'retry'>;
  /** Publishes `queued`; absent, nothing is published. */
  readonly events?: TaskEventPublisher;
  /** Background task types accepted. @defaultValue builtInTaskTypes */
  readonly taskTypes?: TaskTypeSchemas;
}

/** How long an idempotency key returns the same task; after that it may name a new one. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Fields every submission may carry. */
interface SubmitCommon {
  readonly userId: string;
  /** A repeated submission with the same key within 24 h returns the first task instead of a new one. */
  readonly idempotencyKey?: string;
}

/** A chat generation on the model's provider queue. */
export interface GenerationSubmission extends SubmitCommon {
  readonly kind: 'generation';
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Try the registry's fallback chain when the model fails for good. @defaultValue true */
  readonly fallback?: boolean;
}

/** A task of a registered background type. */
export interface BackgroundSubmission extends SubmitCommon {
  readonly kind: 'background';
  readonly type: string;
  readonly input: unknown;
}

export type Submission = GenerationSubmission | BackgroundSubmission;

/** The accepted task. */
export interface SubmittedTask {
  readonly taskId: string;
  readonly type: string;
  readonly queue: QueueName;
  /** For a generation: the model it runs on (the one asked for, or its successor once retired). */
  readonly model?: string;
  /** True when an earlier submission with the same idempotency key was returned. */
  readonly existing: boolean;
}

/**
 * The whole retry budget of a task: every attempt may run to its timeout and wait the longest
 * backoff. Each attempt has its own timeout (the runbook's `maxDuration` is per invocation).
 */
export function deadlineFor(timeoutMs: number, retry: RetryPolicy, now = Date.now()): Date {
  return new Date(now + (timeoutMs + retry.maxDelayMs) * retry.attempts);
}

function typeAndInput(
  deps: SubmitDeps,
  submission: Submission,
): { type: string; input: unknown; timeoutMs: number; retry: RetryPolicy; runsOn?: string } {
  if (submission.kind === 'generation') {
    const { model, messages, maxTokens, temperature, fallback = true } = submission;
    // Before anything is written, for every producer alike: an unknown model, a retired one
    // under RETIRED_MODELS=refuse, and a prompt over the window of the model that will run.
    const runsOn = deps.registry.select(model).model;
    checkFits(
      { model: runsOn.id, messages, maxOutputTokens: outputBudget(runsOn, maxTokens) },
      runsOn,
    );
    return {
      type: GENERATION_TASK_TYPE,
      input: { model, messages, maxTokens, temperature, fallback },
      timeoutMs: deps.config.timeouts.generateMs,
      retry: deps.config.retry.generate,
      runsOn: runsOn.id,
    };
  }
  const types: TaskTypeSchemas = deps.taskTypes ?? builtInTaskTypes;
  const schema = types[submission.type];
  if (schema === undefined) throw new UnknownTaskTypeError(submission.type, Object.keys(types));
  return {
    type: submission.type,
    input: schema.parse(submission.input),
    timeoutMs: deps.config.timeouts.backgroundMs,
    retry: deps.config.retry.background,
  };
}

/**
 * The one producer: validates the submission, writes the `background_tasks` row (status
 * `pending`) and only then enqueues the job with job id = task id. A crash between the two
 * leaves a pending row that the reconciler enqueues; a second enqueue is a no-op.
 * @throws UnknownTaskTypeError, ZodError (bad input), ProviderError `model_not_found`,
 *   `model_retired`, `token_limit_exceeded` (with the counts) or `invalid_request`
 */
export async function submitTask(deps: SubmitDeps, submission: Submission): Promise<SubmittedTask> {
  const { type, input, timeoutMs, retry, runsOn } = typeAndInput(deps, submission);
  if (submission.idempotencyKey !== undefined) await expireIdempotencyKey(deps, submission);
  const inserted = await deps.database.db
    .insert(backgroundTasks)
    .values({
      userId: submission.userId,
      type,
      input: JSON.parse(JSON.stringify(input)) as unknown, // drop undefined fields
      idempotencyKey: submission.idempotencyKey ?? null,
      deadlineAt: deadlineFor(timeoutMs, retry),
    })
    .onConflictDoNothing()
    .returning();
  let row = inserted[0];
  const existing = row === undefined;
  if (row === undefined && submission.idempotencyKey !== undefined) {
    [row] = await deps.database.db
      .select()
      .from(backgroundTasks)
      .where(
        and(
          eq(backgroundTasks.userId, submission.userId),
          eq(backgroundTasks.idempotencyKey, submission.idempotencyKey),
        ),
      );
  }
  if (row === undefined) throw new Error('submitTask: the task row was neither written nor found');
  const job = taskJobFor(row, deps.registry);
  // A repeated submission re-enqueues only a task that never started; a finished one whose job
  // left Redis must not run again.
  // `queued` goes out before the job can start, so it is always the task's first event.
  if (!existing) await deps.events?.publish(row.id, { type: 'queued', queue: job.queue });
  if (!existing || row.status === 'pending') {
    try {
      await enqueueTaskJob(deps.queues, job, deps.config.retry);
    } catch (error) {
      // The caller hears "not accepted" (503): the row must not run later behind its back.
      if (!existing) await markNotEnqueued(deps, row.id, error);
      throw error;
    }
  }
  return {
    taskId: row.id,
    type,
    queue: job.queue,
    existing,
    ...(runsOn === undefined ? {} : { model: runsOn }),
  };
}

/** Frees a key whose task is older than the idempotency window, so it names a new task. */
async function expireIdempotencyKey(deps: SubmitDeps, submission: Submission): Promise<void> {
  if (submission.idempotencyKey === undefined) return;
  await deps.database.db
    .update(backgroundTasks)
    .set({ idempotencyKey: null })
    .where(
      and(
        eq(backgroundTasks.userId, submission.userId),
        eq(backgroundTasks.idempotencyKey, submission.idempotencyKey),
        // Against the database's clock, which also wrote created_at: a worker's skew cannot
        // shorten or stretch the window.
        sql`${backgroundTasks.createdAt} < now() - ${IDEMPOTENCY_WINDOW_MS} * interval '1 millisecond'`,
      ),
    );
}

/** A row whose job never reached Redis: failed, so neither the reconciler nor a retry runs it. */
async function markNotEnqueued(deps: SubmitDeps, taskId: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await deps.database.db
    .update(backgroundTasks)
    .set({
      status: 'failed',
      errorCode: 'not_enqueued',
      errorMessage: `The queue did not accept the task: ${message}`,
      completedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(backgroundTasks.id, taskId), eq(backgroundTasks.status, 'pending')));
}
