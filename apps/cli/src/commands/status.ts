import { redactUrl, type Config } from '@aiq/config';
import { createDb, type Database } from '@aiq/db';
import { readStatusReport, type Severity, type StatusReport } from '@aiq/operations';
import { createRedisConnection, waitUntilReady } from '@aiq/queue';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../format-duration.js';
import { paint, renderTable, type Output } from '../output.js';
import { describeDisabled } from '../routing-view.js';

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
  const redis = createRedisConnection({
    ...config.redis,
    role: 'producer',
    name: 'aiq-cli',
  });
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
      const report = await readStatusReport(config, database, redis, options.since);
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
