import type { ProviderName } from '@aiq/config';
import {
  generationQueueName,
  MAINTENANCE_QUEUE_NAME,
  RETENTION_JOB_NAME,
  TOKEN_USAGE_JOB_NAME,
  type QueueName,
} from '@aiq/queue';
import { sweepRetention } from '@aiq/tasks';
import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import { createBackgroundProcessor } from './processors/background-processor.js';
import { createDeadLetterProcessor } from './processors/dead-letter-processor.js';
import { providerLimiter } from './generation/provider-limiter.js';
import { createGenerateProcessor } from './processors/generate-processor.js';
import { reconcile } from './reconciler/reconcile.js';
import { createBackoffStrategy } from './retry-policy.js';
import { checkTokenUsage } from './token-usage-check.js';
import type { WorkerDeps } from './worker-deps.js';

const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'deepseek'];

/** The BullMQ workers of this process's roles, one per queue. */
export function createWorkers(deps: WorkerDeps): Worker[] {
  const { config, settings, redis } = deps;
  const common: WorkerOptions = {
    connection: redis,
    prefix: config.redis.prefix,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
  };
  const make = (name: string, processor: Processor, options: Partial<WorkerOptions>) => {
    const worker = new Worker(name, processor, { ...common, ...options });
    worker.on('error', (error) => deps.logger.warn({ err: error, queue: name }, 'worker error'));
    return worker;
  };
  const workers: Worker[] = [];
  if (settings.roles.includes('generation')) {
    for (const provider of PROVIDERS) {
      const name: QueueName = generationQueueName(provider);
      // The limiter lives in Redis: it holds across every worker of the fleet, and background
      // tasks draw their calls to this provider from the same counter (provider-limiter.ts).
      workers.push(
        make(name, createGenerateProcessor(deps), {
          concurrency: settings.providerConcurrency[provider] ?? settings.generationConcurrency,
          settings: { backoffStrategy: createBackoffStrategy(config.retry.generate) },
          limiter: providerLimiter(config, provider),
        }),
      );
    }
  }
  if (settings.roles.includes('background')) {
    workers.push(
      make('background-task', createBackgroundProcessor(deps), {
        concurrency: settings.backgroundConcurrency,
        settings: { backoffStrategy: createBackoffStrategy(config.retry.background) },
      }),
    );
  }
  if (settings.roles.includes('dead-letter')) {
    workers.push(make('dead-letter', createDeadLetterProcessor(deps), { concurrency: 1 }));
  }
  if (settings.roles.includes('maintenance')) {
    const runMaintenance: Processor = async (job) => {
      if (job.name === RETENTION_JOB_NAME) {
        const swept = await sweepRetention(deps);
        deps.logger.info(swept, 'retention sweep done');
        return swept;
      }
      if (job.name === TOKEN_USAGE_JOB_NAME) {
        const { dailyThreshold, alertWebhookUrl } = config.operations.tokenUsage;
        return checkTokenUsage(deps, { threshold: dailyThreshold, webhookUrl: alertWebhookUrl });
      }
      const report = await reconcile(deps, { graceMs: settings.reconcileGraceMs });
      if (report.skipped !== undefined) {
        deps.logger.info(report, 'reconciler waits for the ledger outbox to catch up');
      } else if (report.reenqueued + report.repaired + report.retried > 0) {
        deps.logger.warn(report, 'reconciler repaired the queue from the ledger');
      }
      return report;
    };
    workers.push(make(MAINTENANCE_QUEUE_NAME, runMaintenance, { concurrency: 1 }));
  }
  return workers;
}
