import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { defineProviderCallMetrics, type ProviderCall } from './provider-call-metrics.js';
import { defineScrapeGauges, type CountableQueue, type LedgerGauges } from './scrape-gauges.js';

/** The `model` label of an id outside the registry: labels stay bounded whatever a caller sends. */
export const OTHER_MODEL = 'other';

/** The per-user limits of the API (`apps/api/src/middleware/rate-limit.ts`), one label each. */
export type RateLimitName = 'standard' | 'expensive' | 'ensemble' | 'stream_open';

/**
 * The metrics of one aiq process, on one registry (the routing's circuit metrics join it through
 * `createRouting({ registry })`). Every label is bounded: provider, a model of the registry (or
 * `other`), a status, an error code of the `TaskErrorCode` enum, a queue name, a limit name.
 * Never a user id, a task id or a request id.
 */
export interface AiqMetrics {
  readonly registry: Registry;
  /** Counts one provider call, its duration, time to first token, tokens and cost. */
  recordProviderCall(call: ProviderCall): void;
  /** Counts a retry (or a provider hold) announced for an attempt that failed with `errorCode`. */
  countRetry(errorCode: string): void;
  /** Counts a task moving from one model to another. */
  countFallback(fromModel: string, toModel: string, errorCode: string): void;
  /** Counts an attempt answered from the response cache. */
  countCacheHit(provider: string, model: string): void;
  /** Counts a request the API's per-user limiter refused (429). */
  countRateLimitRejection(limit: RateLimitName): void;
  /** Reports these queues' job counts at each scrape (fleet-wide: aggregate with `max`). */
  observeQueues(queues: () => Iterable<CountableQueue>): void;
  /** Reports the ledger writer's outbox depth and batch age at each scrape. */
  observeLedger(stats: () => LedgerGauges): void;
  /**
   * Reports the API's open task-event subscriptions at each scrape: every open stream (task
   * events, a streamed generate, a `/v1` stream) holds one, so an idle API reports 0.
   */
  observeEventSubscriptions(count: () => number): void;
  /** The Prometheus text exposition of the registry. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/**
 * Creates a process's metrics. `knownModels` says which model ids may be labels (the model
 * registry's); anything else is counted as `other`.
 */
export function createAiqMetrics({
  knownModels,
  registry = new Registry(),
  defaultMetrics = true,
}: {
  knownModels: (id: string) => boolean;
  registry?: Registry;
  /** Node's process metrics (`process_*`, `nodejs_*`). @defaultValue true */
  defaultMetrics?: boolean;
}): AiqMetrics {
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const model = (id: string) => (knownModels(id) ? id : OTHER_MODEL);
  const registers = [registry];
  const recordProviderCall = defineProviderCallMetrics(registry, model);
  const scrapeGauges = defineScrapeGauges(registry);
  const retries = new Counter({
    name: 'aiq_retries_total',
    help: 'Retries (and provider holds) announced, by the error_code of the failed attempt.',
    labelNames: ['error_code'] as const,
    registers,
  });
  const fallbacks = new Counter({
    name: 'aiq_fallbacks_total',
    help: 'Tasks moved to a fallback model, by models and the error_code that moved them.',
    labelNames: ['from_model', 'to_model', 'error_code'] as const,
    registers,
  });
  const cacheHits = new Counter({
    name: 'aiq_cache_hits_total',
    help: 'Attempts answered from the response cache (ai_requests.cache_hit).',
    labelNames: ['provider', 'model'] as const,
    registers,
  });
  const rejections = new Counter({
    name: 'aiq_rate_limit_rejections_total',
    help: 'Requests the API refused with 429 for a per-user limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  return {
    registry,
    recordProviderCall,
    countRetry(errorCode) {
      retries.inc({ error_code: errorCode });
    },
    countFallback(fromModel, toModel, errorCode) {
      fallbacks.inc({
        from_model: model(fromModel),
        to_model: model(toModel),
        error_code: errorCode,
      });
    },
    countCacheHit(provider, id) {
      cacheHits.inc({ provider, model: model(id) });
    },
    countRateLimitRejection(limit) {
      rejections.inc({ limit });
    },
    ...scrapeGauges,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
