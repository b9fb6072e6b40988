import type { Config, ProviderName, WorkerRole } from '@aiq/config';

export type { WorkerRole } from '@aiq/config';

/**
 * Process-level knobs, from the environment (WORKER_*, RECONCILE_*, LEDGER_*, EVENTS_*) through
 * @aiq/config, with defaults suited to production on 2 cores; tests shorten the timings.
 */
export interface WorkerSettings {
  /** @defaultValue every role */
  readonly roles: readonly WorkerRole[];
  /** Jobs at once per generation queue in this process. @defaultValue config.worker.concurrency */
  readonly generationConcurrency: number;
  /** Provider queues with their own concurrency (`OPENAI_CONCURRENCY`, …). @defaultValue none */
  readonly providerConcurrency: Readonly<Partial<Record<ProviderName, number>>>;
  /** Background tasks at once in this process. @defaultValue 2 */
  readonly backgroundConcurrency: number;
  /**
   * How long a job's lock lives without renewal; a killed worker's jobs are recovered after
   * about this long plus `stalledIntervalMs`. @defaultValue 30 000 ms (BullMQ's default)
   */
  readonly lockDurationMs: number;
  /** How often each worker looks for stalled jobs. @defaultValue 30 000 ms */
  readonly stalledIntervalMs: number;
  /** Stalls (crashed workers) a job survives before it fails. @defaultValue 2 */
  readonly maxStalledCount: number;
  /**
   * SIGTERM grace: active jobs get this long to finish; the rest are handed back to the queue.
   * @defaultValue 25 000 ms (within Kubernetes' default 30 s termination grace)
   */
  readonly shutdownGraceMs: number;
  /** How often the reconciler runs (one runner at a time across the fleet). @defaultValue 60 000 ms */
  readonly reconcileIntervalMs: number;
  /**
   * Tasks younger than this (since their last ledger update) are left alone, so writes still
   * in the ledger outbox land first. @defaultValue 30 000 ms
   */
  readonly reconcileGraceMs: number;
  /** Ledger writes the Redis outbox holds during a Postgres outage. @defaultValue 100 000 */
  readonly ledgerMaxBuffered: number;
  /**
   * Ledger writes read by a worker that died are taken over by another after this long.
   * @defaultValue 30 000 ms
   */
  readonly ledgerClaimIdleMs: number;
  /**
   * `/health` answers 503 `ledger_stuck` once the ledger writer has held one batch this long
   * (a batch takes well under a second; refused rows are parked, so only an outage or a hang
   * holds it). Twice the claim time: by then another writer would have taken a dead one's batch.
   * @defaultValue 60 000 ms
   */
  readonly ledgerStuckAfterMs: number;
  /** Events kept per task for replay. @defaultValue 10 000 */
  readonly replayMaxEvents: number;
  /** Replay log lifetime after a task's last event. @defaultValue 3 600 s */
  readonly replayTtlSeconds: number;
}

/** The settings with defaults filled in. */
export function resolveWorkerSettings(
  config: Config,
  overrides: Partial<WorkerSettings> = {},
): WorkerSettings {
  const { worker, events } = config;
  return {
    roles: worker.roles,
    generationConcurrency: worker.concurrency,
    providerConcurrency: worker.providerConcurrency,
    backgroundConcurrency: worker.backgroundConcurrency,
    lockDurationMs: worker.lockDurationMs,
    stalledIntervalMs: worker.stalledIntervalMs,
    maxStalledCount: worker.maxStalledCount,
    shutdownGraceMs: worker.shutdownGraceMs,
    reconcileIntervalMs: worker.reconcileIntervalMs,
    reconcileGraceMs: worker.reconcileGraceMs,
    ledgerMaxBuffered: worker.ledgerMaxBuffered,
    ledgerClaimIdleMs: 30_000,
    ledgerStuckAfterMs: 60_000,
    replayMaxEvents: events.replayMaxEvents,
    replayTtlSeconds: events.replayTtlSeconds,
    ...overrides,
  };
}
