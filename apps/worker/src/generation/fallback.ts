import { assertFits, outputBudget, ProviderError, type ModelInfo } from '@aiq/providers';
import { enqueue, generationQueueName, retryJobOptions, type GenerateJob } from '@aiq/queue';
import type { RoutingState } from '@aiq/routing';
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

/** Where a task may continue. */
export type FallbackChoice =
  /** The first model of the chain that is available and holds the request. */
  | { readonly kind: 'model'; readonly model: ModelInfo }
  /** Models are available, but the first of them (named) cannot hold the prompt and output. */
  | { readonly kind: 'too-small'; readonly model: ModelInfo }
  /** No model of the chain is available (untried, enabled, circuit not open). */
  | { readonly kind: 'none' };

/** The job's chain: its own (`fallbackModels`), the model's in the registry, or the default. */
function chainOf(deps: WorkerDeps, job: GenerateJob): readonly ModelInfo[] {
  if (job.fallbackModels !== undefined) {
    return job.fallbackModels
      .filter((id) => deps.registry.has(id))
      .map((id) => deps.registry.resolve(id));
  }
  return deps.registry.has(job.model)
    ? deps.registry.fallbackChainFor(job.model)
    : deps.registry.fallbackChain;
}

/** The model a candidate would really run on (its successor once retired), if it can run. */
function runnable(deps: WorkerDeps, model: ModelInfo): ModelInfo | undefined {
  try {
    return deps.registry.select(model.id).model;
  } catch {
    return undefined;
  }
}

/** Neither the model nor its provider is disabled, and neither circuit is open. */
function available(state: RoutingState, model: ModelInfo): boolean {
  const provider = state.providers[model.provider];
  const own = state.models[model.id];
  return (
    provider?.disabled == null &&
    own?.disabled == null &&
    provider?.circuit.state !== 'open' &&
    own?.circuit.state !== 'open'
  );
}

function fits(job: GenerateJob, model: ModelInfo): boolean {
  try {
    const maxOutputTokens = outputBudget(model, job.maxTokens);
    assertFits({ model: model.id, messages: job.messages, maxOutputTokens }, model);
    return true;
  } catch {
    return false;
  }
}

/**
 * The next model of the job's chain that has not been tried (nor, with `skipTriedProviders`,
 * runs on a provider tried already), is available now, and whose context window holds the
 * prompt plus the output budget. A request never moves to a model that cannot hold it.
 */
export async function chooseFallback(
  deps: WorkerDeps,
  job: GenerateJob,
  { skipTriedProviders, alsoTried = [] }: { skipTriedProviders: boolean; alsoTried?: string[] },
): Promise<FallbackChoice> {
  if (!job.fallback) return { kind: 'none' };
  const tried = [...job.triedModels, job.model, ...alsoTried];
  const triedIds = new Set(tried);
  const triedProviders = new Set(
    tried.filter((id) => deps.registry.has(id)).map((id) => deps.registry.resolve(id).provider),
  );
  const candidates = chainOf(deps, job)
    .map((model) => runnable(deps, model))
    .filter((model): model is ModelInfo => model !== undefined)
    .filter((model) => !triedIds.has(model.id))
    .filter((model) => !skipTriedProviders || !triedProviders.has(model.provider));
  if (candidates.length === 0) return { kind: 'none' };
  const state = await deps.routing.readState();
  let tooSmall: ModelInfo | undefined;
  for (const model of candidates) {
    if (!available(state, model)) continue;
    if (fits(job, model)) return { kind: 'model', model };
    tooSmall ??= model;
  }
  return tooSmall === undefined ? { kind: 'none' } : { kind: 'too-small', model: tooSmall };
}

/**
 * Where a task whose attempts on this provider are spent continues: the next model of its chain
 * on a provider the task has not tried. A retired model's successor runs on its provider, so the
 * providers of the models the job named cover the models that really ran.
 */
export async function nextFallback(
  deps: WorkerDeps,
  job: GenerateJob,
  error: unknown,
): Promise<FallbackChoice> {
  if (!ProviderError.isInstance(error) || !FALLBACK_KINDS.has(error.kind)) return { kind: 'none' };
  return chooseFallback(deps, job, { skipTriedProviders: true });
}

/** Why a task cannot move to `model`: its context window, named. */
export function fallbackTooSmallError(job: GenerateJob, model: ModelInfo): Error {
  return new Error(
    `${job.model} is unavailable and the fallback model ${model.id} cannot hold this request ` +
      `(context window ${model.contextWindow} tokens)`,
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
  deps.metrics.countFallback(job.model, next.id, code);
  await deps.events.publish(job.taskId, {
    type: 'fallback',
    fromModel: job.model,
    toModel: next.id,
    code,
  });
}
