import { FlowProducer, type JobsOptions } from 'bullmq';
import { queueCatalog, type JobPayload, type QueueName } from './catalog.js';
import type { Queues } from './queues.js';

/** One job of a flow: its queue, its payload (validated against the catalog) and options. */
export interface FlowJob<Q extends QueueName = QueueName> {
  readonly queue: Q;
  readonly payload: JobPayload<Q>;
  /** Deterministic, so adding the same flow twice is a no-op. */
  readonly jobId: string;
  readonly options?: Pick<JobsOptions, 'attempts' | 'backoff' | 'ignoreDependencyOnFailure'>;
}

/**
 * The BullMQ job id of an ensemble candidate: the task id and the model, so a second enqueue of
 * the flow (a repeated submission, the reconciler) finds the same children. BullMQ refuses `:`
 * in custom ids, which a model id from MODELS_FILE may hold: the model is URI-encoded.
 */
export function ensembleCandidateJobId(taskId: string, model: string): string {
  return `${taskId}.${encodeURIComponent(model)}`;
}

/**
 * Adds a parent and its children atomically (BullMQ FlowProducer): the parent waits until every
 * child has completed (or failed, with `ignoreDependencyOnFailure`). The job ids are the caller's:
 * adding a flow whose jobs exist already leaves them as they are (BullMQ reports duplicates).
 */
export async function enqueueFlow(
  queues: Queues,
  parent: FlowJob,
  children: readonly FlowJob[],
): Promise<void> {
  const queue = queues[parent.queue];
  // The queues' own connection: a FlowProducer given an ioredis instance shares it and leaves
  // it open when closed.
  const producer = new FlowProducer({
    connection: queue.opts.connection,
    ...(queue.opts.prefix === undefined ? {} : { prefix: queue.opts.prefix }),
  });
  const node = (job: FlowJob) => ({
    name: job.queue,
    queueName: job.queue,
    data: queueCatalog[job.queue].schema.parse(job.payload) as unknown,
    opts: {
      ...queueCatalog[job.queue].jobOptions,
      ...queues[job.queue].defaultJobOptions,
      ...job.options,
      jobId: job.jobId,
    },
  });
  try {
    await producer.add({ ...node(parent), children: children.map(node) });
  } finally {
    await producer.close();
  }
}
