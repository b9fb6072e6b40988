import { redactUrl, type Config } from '@aiq/config';
import { createDb, statusQueries, type Database } from '@aiq/db';
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  queueNames,
  waitUntilReady,
  type QueueName,
} from '@aiq/queue';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../format-duration.js';
import { paint, renderTable, type Output } from '../output.js';
import {
  describeDisabled,
  readFleetRouting,
  routingRows,
  type RoutingRow,
} from '../routing-view.js';
import { assessSeverity, type Severity, type SeverityVerdict } from '../severity.js';

/** The rate behind the severity: errors of the last five minutes (or of the window, if shorter). */
const RECENT_SECONDS = 300;

export interface StatusCommandOptions {
  /** The window, in ms (`--since 1h`). */
  readonly since: number;
  readonly json?: boolean;
  readonly watch?: boolean;
  /** `--watch`: ms between frames. */
  readonly interval?: number;
  /** `--watch`: stop after this many frames, as `top -n` does (default: until Ctrl-C). */
  readonly iterations?: number;
}

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
type QueueDepth = {
  readonly queue: QueueName;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
};

/** Everything `aiq status` shows, as `--json` prints it. */
interface StatusReport {
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

/** Reads one frame: the ledger's numbers, the routing state and the queue depths. */
async function readStatus(
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

const SEVERITY_COLOUR: Record<Severity, Parameters<typeof paint>[1]> = {
  P0: 'red',
  P1: 'red',
  P2: 'yellow',
  P3: 'yellow',
  ok: 'green',
};

const percent = (value: number | null) => (value === null ? 'n/a' : `${value}%`);

/** An hourly row for the eye: the runbook's p95 (a percentile, so fractional) to the ms. */
function roundedDurations(row: Record<string, unknown>): Record<string, unknown> {
  const p95 = row['p95_duration_ms'];
  return typeof p95 === 'number' ? { ...row, p95_duration_ms: Math.round(p95) } : row;
}

/** The human frame: severity first, then the runbook's diagnosis in its order. */
function renderStatus(report: StatusReport, colour: boolean): string {
  const { severity, impact } = report;
  const window = formatDuration(report.window.seconds * 1000);
  const heading = `Severity ${severity.severity}: ${severity.reason}`;
  return [
    paint(heading, SEVERITY_COLOUR[severity.severity], colour),
    `Errors/min (last ${severity.rateWindowSeconds / 60} min): ${severity.errorsPerMinute}; ` +
      `providers down: ${severity.providersDown.length === 0 ? 'none' : severity.providersDown.join(', ')} ` +
      `(of ${severity.providersTotal})`,
    '',
    `Last ${window}: ${impact.totalRequests} requests, success ${percent(impact.successRate)}, ` +
      `timeouts ${impact.timeouts} (${percent(impact.timeoutRate)}), ` +
      `p95 ${impact.p95DurationMs === null ? 'n/a' : `${Math.round(impact.p95DurationMs)} ms`}`,
    `Impact: ${impact.failedRequests} failed requests, ${impact.affectedUsers} affected users, ` +
      `estimated lost value $${impact.estimatedLostValueUsd.toFixed(2)} ` +
      `($${impact.lostValuePerFailedRequestUsd.toFixed(2)} per failed request)`,
    '',
    'Errors by provider, model and code:',
    renderTable(report.errors, { colour }),
    '',
    'By hour:',
    renderTable(report.hourly.map(roundedDurations), { colour }),
    '',
    'Routing:',
    renderTable(
      report.routing
        .filter((row) => row.kind === 'provider' || row.circuit !== 'closed' || row.disabled)
        .map((row) => ({
          target: row.kind === 'model' ? `  ${row.target}` : row.target,
          circuit: row.circuit,
          failures: row.failures,
          disabled: describeDisabled(row),
        })),
      { colour },
    ),
    '',
    `Queues (dead-letter entries: ${report.deadLetter}):`,
    renderTable(report.queues, { colour }),
  ].join('\n');
}

/**
 * `aiq status [--since 1h] [--json] [--watch]`: the runbook's diagnosis on one screen. Exit 1
 * when Redis or the database cannot be read. `--watch` redraws every `--interval` (clearing the
 * screen only on a terminal) until Ctrl-C.
 */
export async function statusCommand(
  config: Config,
  output: Output,
  options: StatusCommandOptions,
): Promise<number> {
  const redis = createRedisConnection({ url: config.redis.url, role: 'producer', name: 'aiq-cli' });
  const refused = new Promise<never>((_resolve, reject) => redis.once('error', reject));
  redis.on('error', () => undefined); // reported once, below
  let database: Database | undefined;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    try {
      await Promise.race([waitUntilReady(redis, 3_000), refused]);
    } catch (error) {
      output.error(
        `Cannot reach Redis at ${redactUrl(config.redis.url)}: ${(error as Error).message}`,
      );
      return 1;
    }
    database = await createDb(config.database, { applicationName: 'aiq-cli' });
    const frames = options.watch ? (options.iterations ?? Infinity) : 1;
    for (let frame = 0; frame < frames && !stop.signal.aborted; frame += 1) {
      if (frame > 0) {
        try {
          await sleep(options.interval ?? 5_000, undefined, { signal: stop.signal });
        } catch {
          break; // Ctrl-C while waiting
        }
      }
      const report = await readStatus(config, database, redis, options.since);
      if (options.json) {
        output.write(JSON.stringify(report));
        continue;
      }
      // `top`-like: home the cursor and clear the screen, only on a terminal.
      const clear = options.watch && output.tty ? '\u001B[H\u001B[2J' : '';
      const stamp = options.watch ? `aiq status, ${new Date().toISOString()}\n` : '';
      output.write(`${clear}${stamp}${renderStatus(report, output.tty === true)}`);
    }
    return 0;
  } catch (error) {
    output.error(`aiq status: ${(error as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await database?.close();
    redis.disconnect();
  }
}
