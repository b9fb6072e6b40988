import type { Config } from '@aiq/config';
import { statusQueries, type Database } from '@aiq/db';
import { closeQueues, createQueues, queueNames, type QueueName } from '@aiq/queue';
import type { Redis } from 'ioredis';
import { readFleetRouting, routingRows, type RoutingRow } from './routing-rows.js';
import { assessSeverity, type SeverityVerdict } from './severity.js';

/** The rate behind the severity: errors of the last five minutes (or of the window, if shorter). */
const RECENT_SECONDS = 300;

interface Summary {
  total_requests: number;
  successful: number;
  failed_requests: number;
  timeouts: number;
  affected_users: number;
  p95_duration_ms: number | null;
  recent_errors: number;
}

// A type, not an interface: a table row is a record.
export type QueueDepth = {
  readonly queue: QueueName;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
};

/** Everything `aiq status` shows, as `--json` prints it. */
export interface StatusReport {
  readonly window: { readonly since: string; readonly seconds: number };
  readonly severity: SeverityVerdict & {
    readonly errorsPerMinute: number;
    readonly rateWindowSeconds: number;
    readonly providersDown: readonly string[];
    readonly providersTotal: number;
  };
  readonly impact: {
    readonly totalRequests: number;
    readonly successRate: number | null;
    readonly failedRequests: number;
    readonly timeouts: number;
    readonly timeoutRate: number | null;
    readonly p95DurationMs: number | null;
    readonly affectedUsers: number;
    readonly lostValuePerFailedRequestUsd: number;
    readonly estimatedLostValueUsd: number;
  };
  readonly errors: readonly Record<string, unknown>[];
  readonly hourly: readonly Record<string, unknown>[];
  readonly routing: readonly RoutingRow[];
  readonly queues: readonly QueueDepth[];
  /** Entries in the dead-letter queue, whatever their state. */
  readonly deadLetter: number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

async function readQueues(
  redis: Redis,
  config: Config,
): Promise<{ queues: QueueDepth[]; deadLetter: number }> {
  const queues = createQueues(redis, config.redis.prefix);
  try {
    const depths = await Promise.all(
      queueNames.map(async (queue) => {
        const counts = await queues[queue].getJobCounts(
          'waiting',
          'active',
          'delayed',
          'failed',
          'completed',
          'prioritized',
        );
        return { queue, counts };
      }),
    );
    const deadLetter = depths.find(({ queue }) => queue === 'dead-letter')?.counts ?? {};
    return {
      queues: depths.map(({ queue, counts }) => ({
        queue,
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      })),
      deadLetter: Object.values(deadLetter).reduce((sum, count) => sum + count, 0),
    };
  } finally {
    await closeQueues(queues);
  }
}

/**
 * Reads one frame of `aiq status` (and of the operations dashboard): the ledger's numbers, the routing state and the queue depths. */
export async function readStatusReport(
  config: Config,
  database: Database,
  redis: Redis,
  sinceMs: number,
): Promise<StatusReport> {
  const seconds = Math.max(1, Math.round(sinceMs / 1000));
  const recentSeconds = Math.min(RECENT_SECONDS, seconds);
  const [[summary], errors, hourly, routing, depths] = await Promise.all([
    database.query<Summary>(statusQueries.summary, [seconds, recentSeconds]),
    database.query(statusQueries.errorsByTarget, [seconds]),
    database.query(statusQueries.hourlySuccessRate, [seconds]),
    readFleetRouting(redis, config).then(routingRows),
    readQueues(redis, config),
  ]);
  if (summary === undefined) throw new Error('the summary query returned no row');
  const providers = routing.filter((row) => row.kind === 'provider');
  const down = providers.filter((row) => row.circuit === 'open' || row.disabled !== null);
  const errorsPerMinute = round(summary.recent_errors / (recentSeconds / 60), 2);
  const verdict = assessSeverity({
    errorsPerMinute,
    providersDown: down.length,
    providersTotal: providers.length,
    p95Ms: summary.p95_duration_ms,
    timeouts: summary.timeouts,
  });
  const perFailure = config.operations.lostValuePerFailedRequestUsd;
  const total = summary.total_requests;
  return {
    window: { since: new Date(Date.now() - seconds * 1000).toISOString(), seconds },
    severity: {
      ...verdict,
      errorsPerMinute,
      rateWindowSeconds: recentSeconds,
      providersDown: down.map((row) => row.target),
      providersTotal: providers.length,
    },
    impact: {
      totalRequests: total,
      successRate: total === 0 ? null : round((100 * summary.successful) / total, 2),
      failedRequests: summary.failed_requests,
      timeouts: summary.timeouts,
      timeoutRate: total === 0 ? null : round((100 * summary.timeouts) / total, 2),
      p95DurationMs: summary.p95_duration_ms,
      affectedUsers: summary.affected_users,
      lostValuePerFailedRequestUsd: perFailure,
      estimatedLostValueUsd: round(summary.failed_requests * perFailure, 2),
    },
    errors,
    hourly,
    routing,
    ...depths,
  };
}
