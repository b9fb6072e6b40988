import type { Config, JobKind } from '@aiq/config';
import type { ModelRegistry } from '@aiq/providers';
import {
  enqueue,
  enqueueFlow,
  ensembleCandidateJobId,
  generationQueueName,
  retryJobOptions,
  type JobPayload,
  type QueueName,
  type Queues,
} from '@aiq/queue';
import type { TaskRow } from './task-row.js';
import { z } from 'zod';
import {
  ENSEMBLE_TASK_TYPE,
  EnsembleInput,
  GENERATION_TASK_TYPE,
  GenerationInput,
  GenerationResult,
} from './task-catalog.js';

/** The columns of a task a job is built from. */
export type TaskJobSource = Pick<
  TaskRow,
  'id' | 'userId' | 'type' | 'input' | 'deadlineAt' | 'retryCount'
>;

/** The same columns as raw SQL returns them (`database.query`). */
export interface TaskJobSourceColumns {
  readonly id: string;
  readonly user_id: string;
  readonly type: string;
  readonly input: unknown;
  /** A Date from postgres-js, a string from some drivers. */
  readonly deadline_at: Date | string | null;
  readonly retry_count: number;
}

/** {@link TaskJobSourceColumns} as a {@link TaskJobSource}. */
export function taskJobSourceOf(columns: TaskJobSourceColumns): TaskJobSource {
  return {
    id: columns.id,
    userId: columns.user_id,
    type: columns.type,
    input: columns.input,
    deadlineAt: columns.deadline_at === null ? null : new Date(columns.deadline_at),
    retryCount: columns.retry_count,
  };
}

/** A child of a task's job (an ensemble candidate), on its model's provider queue. */
export interface TaskChildJob {
  readonly queue: QueueName;
  /** Deterministic (task id + model), so a second enqueue finds it. */
  readonly jobId: string;
  readonly payload: JobPayload<'generate-openai'>;
}

/** A task's job: where it goes and what it carries. */
export interface TaskJob {
  readonly queue: QueueName;
  /** Validated against the queue's schema when it is enqueued. */
  readonly payload: JobPayload<'generate-openai'> | JobPayload<'background-task'>;
  /**
   * Jobs that run first, the job waiting for all of them (a BullMQ flow): the candidates of an
   * `ai_ensemble` task, one per model on that model's provider queue.
   */
  readonly children?: readonly TaskChildJob[];
}

/** The flow of an ensemble: the parent on `background-task`, a candidate per model. */
function ensembleJob(row: TaskJobSource, registry: ModelRegistry, deadlineAt: number): TaskJob {
  const input = EnsembleInput.parse(row.input);
  const { models, ...generation } = input;
  return {
    queue: 'background-task',
    payload: {
      taskId: row.id,
      userId: row.userId,
      type: row.type,
      input,
      deadlineAt,
      retry: row.retryCount,
    },
    children: models.map((model) => ({
      // Like a generation's: the provider of a retired model's successor is its own.
      queue: generationQueueName(registry.resolve(model).provider),
      jobId: ensembleCandidateJobId(row.id, model),
      payload: {
        ...generation,
        model,
        taskId: row.id,
        userId: row.userId,
        deadlineAt,
        retry: row.retryCount,
        // A candidate is one model's answer: another model would be another candidate.
        fallback: false,
        ensemble: { size: models.length },
      },
    })),
  };
}

/**
 * Builds the job of a task from its ledger row: the same for the first enqueue (submit) and
 * for the reconciler's re-enqueue, so the two can never disagree.
 * @throws ProviderError `model_not_found` for a generation on a model the registry does not know
 */
export function taskJobFor(row: TaskJobSource, registry: ModelRegistry): TaskJob {
  const deadlineAt = row.deadlineAt?.getTime() ?? Date.now();
  if (row.type === GENERATION_TASK_TYPE) {
    const input = GenerationInput.parse(row.input);
    // Not `select`: a retired model's successor runs on the same provider (the registry checks
    // it), so the queue of a task never depends on the date it is looked at.
    const provider = registry.resolve(input.model).provider;
    return {
      queue: generationQueueName(provider),
      payload: { ...input, taskId: row.id, userId: row.userId, deadlineAt, retry: row.retryCount },
    };
  }
  if (row.type === ENSEMBLE_TASK_TYPE) return ensembleJob(row, registry, deadlineAt);
  return {
    queue: 'background-task',
    payload: {
      taskId: row.id,
      userId: row.userId,
      type: row.type,
      input: row.input,
      deadlineAt,
      retry: row.retryCount,
    },
  };
}

/**
 * What a finished task's job returns: a receipt, not the output. The output was appended to the
 * ledger outbox (and published) before the job finished, so Redis need not hold it a second
 * and a third time (the job hash and the queue's event stream) for as long as it keeps the job.
 * BullMQ's advice: keep return values small and results in your own store.
 */
const CompletedReceipt = z.object({
  status: z.literal('completed'),
  recorded: z.literal(true),
});
export type CompletedReceipt = z.infer<typeof CompletedReceipt>;

/**
 * What a task's job returns, as the reconciler reads it back: a receipt (first, since the next
 * shapes would match it too), or from workers of earlier versions a finished generation with its
 * attempt's ledger row or a finished background task with its result; a cancellation; or a
 * hand-over to the next model of the fallback chain.
 */
export const TaskJobOutcome = z.union([
  CompletedReceipt,
  GenerationResult.extend({ record: z.looseObject({ id: z.string() }).optional() }),
  z.object({ status: z.literal('completed'), result: z.unknown() }),
  z.object({ status: z.literal('cancelled') }),
  z.object({ status: z.literal('fell-back'), toModel: z.string() }),
]);
export type TaskJobOutcome = z.infer<typeof TaskJobOutcome>;

/** The job type of a queue, which picks its deadline and retry policy. */
export function jobKindOf(queue: QueueName): JobKind {
  return queue === 'background-task' ? 'background' : 'generate';
}

/**
 * Adds a task's job with its job type's retry policy (a flow with its children, when it has
 * them); a no-op when a job with its id is there already.
 */
export async function enqueueTaskJob(
  queues: Queues,
  job: TaskJob,
  retry: Config['retry'],
): Promise<void> {
  const options = retryJobOptions(retry[jobKindOf(job.queue)]);
  if (job.children === undefined) {
    await enqueue(queues, job.queue, job.payload as never, options);
    return;
  }
  await enqueueFlow(
    queues,
    { queue: job.queue, payload: job.payload, jobId: job.payload.taskId, options },
    job.children.map((child) => ({
      ...child,
      options: {
        ...retryJobOptions(retry[jobKindOf(child.queue)]),
        // A candidate normally ends in a result, its error included. One that fails anyway (a
        // job stalled too often) must not leave the parent waiting: it is listed as failed.
        ignoreDependencyOnFailure: true,
      },
    })),
  );
}
