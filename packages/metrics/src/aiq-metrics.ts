import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The `model` label of an id outside the registry: labels stay bounded whatever a caller sends. */
export const OTHER_MODEL = 'other';

/** The per-user limits of the API (`apps/api/src/middleware/rate-limit.ts`), one label each. */
export type RateLimitName = 'standard' | 'expensive' | 'ensemble' | 'stream_open';

/** One provider call as `run-provider-attempt.ts` records it. */
export interface ProviderCall {
  readonly provider: string;
  readonly model: string;
  /** `completed`, `failed`, `timeout` or `cancelled` (the `ai_requests.status` of the call). */
  readonly status: string;
  /** The `ai_requests.error_code` (a `TaskErrorCode`); null for a success. */
  readonly errorCode: string | null;
  readonly durationMs: number;
  /** Null when no text arrived. */
  readonly ttftMs: number | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly costUsd: number | null;
}

/** One queue's counts, as BullMQ's `getJobCounts` answers (a structural type: no bullmq here). */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/** The ledger writer's counters that the metrics read (`LedgerStats` of `@aiq/ledger`). */
export interface LedgerGauges {
  /** Writes waiting in the outbox, every process's. */
  readonly buffered: number;
  /** How long this writer has held its current batch, in ms (0 between batches). */
  readonly pendingBatchAgeMs: number;
}

/** The queue states reported by `aiq_queue_jobs` (dead letters stay in the dead-letter queue's `completed`). */
const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'failed',
  'completed',
] as const;

/** Seconds: provider calls run from well under a second to the 120 s deadline. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
const TTFT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

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
  const requests = new Counter({
    name: 'aiq_provider_requests_total',
    help: 'Provider calls by provider, model, status and error_code (none for a success).',
    labelNames: ['provider', 'model', 'status', 'error_code'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'aiq_provider_request_duration_seconds',
    help: 'Duration of provider calls, from the request to the last event.',
    labelNames: ['provider', 'model', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const ttft = new Histogram({
    name: 'aiq_provider_time_to_first_token_seconds',
    help: 'Time from a provider request to its first text delta.',
    labelNames: ['provider', 'model'] as const,
    buckets: TTFT_BUCKETS,
    registers,
  });
  const tokens = new Counter({
    name: 'aiq_provider_tokens_total',
    help: 'Tokens the providers reported, by direction (input or output).',
    labelNames: ['provider', 'model', 'direction'] as const,
    registers,
  });
  const cost = new Counter({
    name: 'aiq_provider_cost_usd_total',
    help: 'Estimated cost of provider calls in US dollars, from the model registry prices.',
    labelNames: ['provider', 'model'] as const,
    registers,
  });
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
  const queueSources: (() => Iterable<CountableQueue>)[] = [];
  new Gauge({
    name: 'aiq_queue_jobs',
    help: 'Jobs per queue and state, read from Redis at each scrape (fleet-wide: use max).',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      for (const source of queueSources) {
        for (const queue of source()) {
          const counts = await queue.getJobCounts(...QUEUE_STATES);
          for (const state of QUEUE_STATES)
            this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      }
    },
  });
  const ledgerSources: (() => LedgerGauges)[] = [];
  new Gauge({
    name: 'aiq_ledger_outbox_depth',
    help: 'Ledger writes waiting in the Redis outbox for Postgres, every process’s.',
    registers,
    collect() {
      for (const stats of ledgerSources) this.set(stats().buffered);
    },
  });
  new Gauge({
    name: 'aiq_ledger_batch_age_seconds',
    help: 'How long this ledger writer has held its current batch (0 between batches).',
    registers,
    collect() {
      for (const stats of ledgerSources) this.set(stats().pendingBatchAgeMs / 1000);
    },
  });
  return {
    registry,
    recordProviderCall(call) {
      const labels = { provider: call.provider, model: model(call.model) };
      requests.inc({ ...labels, status: call.status, error_code: call.errorCode ?? 'none' });
      duration.observe({ ...labels, status: call.status }, call.durationMs / 1000);
      if (call.ttftMs !== null) ttft.observe(labels, call.ttftMs / 1000);
      if (call.inputTokens !== null)
        tokens.inc({ ...labels, direction: 'input' }, call.inputTokens);
      if (call.outputTokens !== null) {
        tokens.inc({ ...labels, direction: 'output' }, call.outputTokens);
      }
      if (call.costUsd !== null) cost.inc(labels, call.costUsd);
    },
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
    observeQueues(queues) {
      queueSources.push(queues);
    },
    observeLedger(stats) {
      ledgerSources.push(stats);
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
