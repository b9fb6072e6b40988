import type { Config, JobKind, RetryPolicy } from '@aiq/config';
import { backgroundTasks, makePostgresSafe, type Database } from '@aiq/db';
import type { TaskEventPublisher } from '@aiq/events';
import { assertFits, outputBudget, type ModelRegistry } from '@aiq/providers';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ChatMessage, QueueName, Queues } from '@aiq/queue';
import { assertChunkLimit, TaskRefusedError } from './document-chunks.js';
import { checkEnsembleModels } from './ensemble-models.js';
import { enqueueTaskJob, taskJobFor } from './task-job.js';
import {
  AnalyzeDocumentInput,
  builtInTaskCatalog,
  ENSEMBLE_TASK_TYPE,
  EnsembleInput,
  GENERATION_TASK_TYPE,
  GenerationInput,
  UnknownTaskTypeError,
  type TaskCatalog,
} from './task-catalog.js';

/** What {@link submitTask} needs. The API, the CLI, the workers and the tests all pass these. */
export interface SubmitDeps {
  readonly database: Database;
  readonly queues: Queues;
  readonly registry: ModelRegistry;
  readonly config: Pick<Config, 'timeouts' | 'retry' | 'tasks'>;
  /** Publishes `queued`; absent, nothing is published. */
  readonly events?: TaskEventPublisher;
  /** Task types accepted; share it with the workers. @defaultValue builtInTaskCatalog */
  readonly catalog?: TaskCatalog;
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
  /**
   * The request's own fallback chain, first choice first, replacing the registry's.
   * Every id must be in the registry (TaskRefusedError `unknown_fallback_model` otherwise).
   */
  readonly fallbackModels?: readonly string[];
  /** The response cache: `true` opts in, `false` out; absent, on only at temperature 0. */
  readonly cache?: boolean;
}

/** A task of a registered background type. */
export interface BackgroundSubmission extends SubmitCommon {
  readonly kind: 'background';
  readonly type: string;
  readonly input: unknown;
}

/**
 * One prompt to several models at once (`ai_ensemble`): the models are the caller's, or the
 * defaults (`defaultEnsembleModels`) the caller picked.
 */
export interface EnsembleSubmission extends SubmitCommon {
  readonly kind: 'ensemble';
  readonly models: readonly string[];
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number;
  readonly temperature?: number;
}

export type Submission = GenerationSubmission | BackgroundSubmission | EnsembleSubmission;

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
function deadlineFor(timeoutMs: number, retry: RetryPolicy, now: number): Date {
  return new Date(now + (timeoutMs + retry.maxDelayMs) * retry.attempts);
}

/** The deadline of a task of this job type that starts (or is retried) at `now`. */
export function taskDeadline(
  config: Pick<Config, 'timeouts' | 'retry'>,
  jobKind: JobKind,
  now = Date.now(),
): Date {
  const timeoutMs =
    jobKind === 'generate' ? config.timeouts.generateMs : config.timeouts.backgroundMs;
  return deadlineFor(timeoutMs, config.retry[jobKind], now);
}

/**
 * An ensemble's deadline: `ENSEMBLE_TIMEOUT_MS` per attempt under the generation retry policy,
 * since each candidate is a generation retried as one.
 */
function ensembleDeadline(config: Pick<Config, 'timeouts' | 'retry'>, now = Date.now()): Date {
  return deadlineFor(config.timeouts.ensembleMs, config.retry.generate, now);
}

function typeAndInput(
  deps: SubmitDeps,
  submission: Submission,
): { type: string; input: unknown; jobKind: JobKind; runsOn?: string } {
  if (submission.kind === 'generation') {
    const { model, messages, maxTokens, temperature, fallback = true, cache } = submission;
    const fallbackModels = submission.fallbackModels?.map((id) => {
      if (!deps.registry.has(id)) {
        throw new TaskRefusedError(
          'unknown_fallback_model',
          `fallbackModels names unknown model "${id}". Known models: ${deps.registry
            .list()
            .map((entry) => entry.id)
            .join(', ')}`,
        );
      }
      return deps.registry.resolve(id).id;
    });
    // Before anything is written, for every producer alike: an unknown model, a retired one
    // under RETIRED_MODELS=refuse, and a prompt over the window of the model that will run.
    const runsOn = deps.registry.select(model).model;
    assertFits(
      { model: runsOn.id, messages, maxOutputTokens: outputBudget(runsOn, maxTokens) },
      runsOn,
    );
    return {
      type: GENERATION_TASK_TYPE,
      input: GenerationInput.parse({
        model,
        messages,
        maxTokens,
        temperature,
        fallback,
        fallbackModels,
        cache,
      }),
      jobKind: 'generate',
      runsOn: runsOn.id,
    };
  }
  if (submission.kind === 'ensemble') {
    const { models, messages, maxTokens, temperature } = submission;
    return ensembleTypeAndInput(deps, { models, messages, maxTokens, temperature });
  }
  const catalog: TaskCatalog = deps.catalog ?? builtInTaskCatalog;
  const definition = catalog[submission.type];
  const backgroundTypes = Object.values(catalog)
    .filter((entry) => entry.jobKind === 'background')
    .map((entry) => entry.type);
  if (definition?.jobKind !== 'background') {
    throw new UnknownTaskTypeError(submission.type, backgroundTypes);
  }
  if (definition === builtInTaskCatalog[ENSEMBLE_TASK_TYPE]) {
    // Through `POST /api/ai/background-task` too: the same checks as the ensemble route's.
    return ensembleTypeAndInput(deps, submission.input);
  }
  const input: unknown = definition.input.parse(submission.input);
  if (definition === builtInTaskCatalog.ai_analyze_document) {
    assertChunkLimit(
      AnalyzeDocumentInput.parse(input),
      deps.registry,
      deps.config.tasks.analyzeMaxChunks,
    );
  }
  return { type: submission.type, input, jobKind: 'background' };
}

/** An ensemble's models checked (count, duplicates, each as a generation's) and resolved. */
function ensembleTypeAndInput(deps: SubmitDeps, given: unknown) {
  // Counts and duplicates get their own codes before the schema's bounds would answer them.
  const shape = EnsembleInput.extend({ models: z.array(z.string().min(1)) });
  const parsed = shape.parse(given);
  const models = checkEnsembleModels(deps.registry, parsed.models, parsed);
  return {
    type: ENSEMBLE_TASK_TYPE,
    input: EnsembleInput.parse({ ...parsed, models }),
    jobKind: 'background' as const,
  };
}

/**
 * The one producer: validates the submission, writes the `background_tasks` row (status
 * `pending`) and only then enqueues the job with job id = task id. A crash between the two
 * leaves a pending row that the reconciler enqueues; a second enqueue is a no-op.
 * @throws UnknownTaskTypeError, ZodError (bad input), TaskRefusedError `too_many_chunks`, ProviderError `model_not_found`,
 *   `model_retired`, `token_limit_exceeded` (with the counts) or `invalid_request`
 */
export async function submitTask(deps: SubmitDeps, given: Submission): Promise<SubmittedTask> {
  // U+0000 and lone surrogates, which Postgres refuses, become U+FFFD here, at the one door every
  // producer uses. The job is made from the stored row: the model reads what was stored.
  const submission = makePostgresSafe(given);
  const { type, input, jobKind, runsOn } = typeAndInput(deps, submission);
  if (submission.idempotencyKey !== undefined) await expireIdempotencyKey(deps, submission);
  const inserted = await deps.database.db
    .insert(backgroundTasks)
    .values({
      userId: submission.userId,
      type,
      input: JSON.parse(JSON.stringify(input)) as unknown, // drop undefined fields
      idempotencyKey: submission.idempotencyKey ?? null,
      deadlineAt:
        type === ENSEMBLE_TASK_TYPE
          ? ensembleDeadline(deps.config)
          : taskDeadline(deps.config, jobKind),
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
  // `queued` is sent before the enqueue, without waiting for its answer: on the one producer
  // connection Redis runs the two in the order they were sent, so `queued` is always the task's
  // first event, and the submission saves a round trip.
  const queued = existing
    ? undefined
    : deps.events?.publish(row.id, { type: 'queued', queue: job.queue });
  queued?.catch(() => undefined); // awaited below, after the enqueue
  if (!existing || row.status === 'pending') {
    try {
      await enqueueTaskJob(deps.queues, job, deps.config.retry);
    } catch (error) {
      // The caller hears "not accepted" (503): the row must not run later behind its back.
      if (!existing) await markNotEnqueued(deps, row.id, error);
      throw error;
    }
  }
  // Accepted once the job is in Redis: it runs, and its status and later events tell the client
  // so. Answering 503 for a lost `queued` alone would make the caller submit the task twice.
  await queued?.catch(() => undefined);
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

/**
 * A row whose job never reached Redis: failed, so the reconciler does not run it behind the
 * caller's back, and its idempotency key freed, so the retry the caller was told to make (503)
 * makes a task that runs instead of returning this one.
 */
async function markNotEnqueued(deps: SubmitDeps, taskId: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await deps.database.db
    .update(backgroundTasks)
    .set({
      status: 'failed',
      idempotencyKey: null,
      errorCode: 'not_enqueued',
      errorMessage: `The queue did not accept the task: ${message}`,
      completedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(backgroundTasks.id, taskId), eq(backgroundTasks.status, 'pending')));
}
