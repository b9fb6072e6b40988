import type { ModelInfo } from '@aiq/providers';
import { enqueue, generationQueueName, retryJobOptions, type GenerateJob } from '@aiq/queue';
import { ProviderError } from '@aiq/providers';
import type { WorkerDeps } from '../worker-deps.js';

// Failures another provider may not have: an outage that outlasted the retries, a bad or
// exhausted key, a model this provider no longer serves. A request that is itself wrong
// (invalid, filtered, too long) would fail everywhere, and a cancel means nobody is waiting.
const FALLBACK_KINDS = new Set([
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'auth',
  'permission',
  'insufficient_quota',
  'model_not_found',
]);

/**
 * The next model of the registry's fallback chain on a provider the task has not tried, if any.
 * A retired model's successor runs on its provider, so the providers of the models the job named
 * cover the models that really ran.
 */
export function nextFallbackModel(
  deps: WorkerDeps,
  job: GenerateJob,
  error: unknown,
): ModelInfo | undefined {
  if (!job.fallback || !ProviderError.isInstance(error) || !FALLBACK_KINDS.has(error.kind)) {
    return undefined;
  }
  const tried = [...job.triedModels, job.model];
  const triedIds = new Set(tried);
  const triedProviders = new Set(
    tried.filter((id) => deps.registry.has(id)).map((id) => deps.registry.resolve(id).provider),
  );
  return deps.registry.fallbackChain.find(
    (candidate) => !triedIds.has(candidate.id) && !triedProviders.has(candidate.provider),
  );
}

/** Continues the task on `next`'s provider queue (job id = task id there too) and says so. */
export async function fallBack(
  deps: WorkerDeps,
  job: GenerateJob,
  next: ModelInfo,
  code: string,
): Promise<void> {
  await enqueue(
    deps.queues,
    generationQueueName(next.provider),
    { ...job, model: next.id, triedModels: [...job.triedModels, job.model] },
    retryJobOptions(deps.config.retry.generate),
  );
  await deps.events.publish(job.taskId, {
    type: 'fallback',
    fromModel: job.model,
    toModel: next.id,
    code,
  });
}
