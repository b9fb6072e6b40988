import { Gauge, type Registry } from 'prom-client';

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

/**
 * Defines the gauges read at each scrape (`aiq_queue_jobs`, `aiq_ledger_*`) on `registry`; the
 * returned functions add what they read.
 */
export function defineScrapeGauges(registry: Registry): {
  readonly observeQueues: (queues: () => Iterable<CountableQueue>) => void;
  readonly observeLedger: (stats: () => LedgerGauges) => void;
  readonly observeEventSubscriptions: (count: () => number) => void;
} {
  const registers = [registry];
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
      // The outbox is shared: each writer reads the same depth.
      this.set(Math.max(0, ...ledgerSources.map((stats) => stats().buffered)));
    },
  });
  new Gauge({
    name: 'aiq_ledger_batch_age_seconds',
    help: 'How long this ledger writer has held its current batch (0 between batches).',
    registers,
    collect() {
      this.set(Math.max(0, ...ledgerSources.map((stats) => stats().pendingBatchAgeMs)) / 1000);
    },
  });
  const subscriptionSources: (() => number)[] = [];
  new Gauge({
    name: 'aiq_sse_subscriptions',
    help: 'Task-event subscriptions this API process holds: one per open event stream.',
    registers,
    collect() {
      this.set(subscriptionSources.reduce((sum, count) => sum + count(), 0));
    },
  });
  return {
    observeQueues: (queues) => {
      queueSources.push(queues);
    },
    observeLedger: (stats) => {
      ledgerSources.push(stats);
    },
    observeEventSubscriptions: (count) => {
      subscriptionSources.push(count);
    },
  };
}
