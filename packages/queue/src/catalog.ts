import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';
import type { ProviderName } from '@aiq/config';
import { BackgroundTaskJob } from './jobs/background-task-job.js';
import { DeadLetterJob } from './jobs/dead-letter-job.js';
import { GenerateJob } from './jobs/generate-job.js';

/** What every entry of the catalog declares. */
export interface QueueDefinition {
  readonly schema: z.ZodType;
  /**
   * Defaults for every job added to the queue; retry counts come from config at enqueue time,
   * and how long finished jobs are kept from the retention config (`queueRetention`).
   */
  readonly jobOptions: JobsOptions;
}

/** Every queue aiq uses, with its job schema (house style R10). */
export const queueCatalog = {
  'generate-openai': { schema: GenerateJob, jobOptions: {} },
  'generate-anthropic': { schema: GenerateJob, jobOptions: {} },
  'generate-deepseek': { schema: GenerateJob, jobOptions: {} },
  'background-task': { schema: BackgroundTaskJob, jobOptions: {} },
  'dead-letter': { schema: DeadLetterJob, jobOptions: { attempts: 1 } },
} as const satisfies Record<string, QueueDefinition>;

export type QueueName = keyof typeof queueCatalog;
export type JobPayload<Q extends QueueName> = z.input<(typeof queueCatalog)[Q]['schema']>;
export type JobData<Q extends QueueName> = z.output<(typeof queueCatalog)[Q]['schema']>;

export const queueNames = Object.keys(queueCatalog) as QueueName[];

/** The generation queue of a provider: one per provider, so each has its own rate limit. */
export function generationQueueName(provider: ProviderName): QueueName {
  return `generate-${provider}`;
}
