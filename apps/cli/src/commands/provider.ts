import { redactUrl, type Config } from '@aiq/config';
import { createDb } from '@aiq/db';
import { createRedisConnection, waitUntilReady } from '@aiq/queue';
import {
  ERROR_RATE_WINDOW_MS,
  readProviderErrorRates,
  type ProviderErrorRate,
  type RoutingState,
} from '@aiq/routing';
import { callAdminApi } from '../admin-api.js';
import { renderTable, type Output } from '../output.js';
import { readFleetRouting, routingRows } from '@aiq/operations';
import { describeDisabled, describeNextProbe } from '../routing-view.js';

/** Reads the routing state on a connection of its own, closed after it whatever happens. */
async function readRouting(config: Config): Promise<RoutingState> {
  const redis = createRedisConnection({
    ...config.redis,
    role: 'producer',
    name: 'aiq-cli',
  });
  // A one-shot read need not wait out reconnects: the first connection error is the answer.
  const refused = new Promise<never>((_resolve, reject) => redis.once('error', reject));
  redis.on('error', () => undefined); // reported once, below
  try {
    await Promise.race([waitUntilReady(redis, 3_000), refused]);
    return await readFleetRouting(redis, config);
  } finally {
    redis.disconnect();
  }
}

/**
 * Each provider's error rate over the last 5 minutes, from the ledger (`ai_requests`): the same
 * query `GET /api/status` judges "degraded" by, and one an operator can repeat by hand. Null
 * (with a warning) when the database cannot be read: the routing state is still worth printing.
 */
async function readErrorRates(
  config: Config,
  output: Output,
): Promise<Record<string, ProviderErrorRate> | null> {
  try {
    const database = await createDb(config.database, { applicationName: 'aiq-cli' });
    try {
      return await readProviderErrorRates(database, ERROR_RATE_WINDOW_MS);
    } finally {
      await database.close();
    }
  } catch (error) {
    output.error(`warn: cannot read error rates from the database: ${(error as Error).message}`);
    return null;
  }
}

/** `4.2% (1/24)`, or empty without calls (or for a model row). */
function describeErrorRate(rate: ProviderErrorRate | null | undefined): string {
  if (rate === null || rate === undefined) return '';
  return `${(rate.rate * 100).toFixed(1)}% (${rate.errors}/${rate.calls})`;
}

/**
 * `aiq provider list [--json]`: each provider's circuit and disabled flag, and each model's
 * whose own circuit has a history or that is disabled. Read-only, straight from Redis (the state
 * every worker and API process routes by), and each provider's error rate over the last
 * 5 minutes from `ai_requests`. Exit 1, with one line, when Redis cannot be read.
 */
export async function providerListCommand(
  config: Config,
  output: Output,
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  let state: RoutingState;
  try {
    state = await readRouting(config);
  } catch (error) {
    output.error(
      `Cannot read routing state from Redis at ${redactUrl(config.redis.url)}: ${
        (error as Error).message
      }`,
    );
    return 1;
  }
  const errorRates = await readErrorRates(config, output);
  const rows = routingRows(state).map((row) => ({
    ...row,
    error_rate_5m:
      row.kind === 'provider' && errorRates !== null
        ? (errorRates[row.target] ?? { calls: 0, errors: 0, rate: 0 })
        : null,
  }));
  if (json) {
    output.write(JSON.stringify(rows));
    return 0;
  }
  output.write(
    renderTable(
      rows.map((row) => ({
        target: row.kind === 'model' ? `  ${row.target}` : row.target,
        circuit: row.circuit,
        failures: row.failures,
        next_probe: describeNextProbe(row),
        circuit_reason: row.circuit_reason,
        error_rate_5m: row.error_rate_5m?.calls ? describeErrorRate(row.error_rate_5m) : '',
        disabled: describeDisabled(row),
      })),
    ),
  );
  return 0;
}

/** What `POST /api/admin/providers/:name/disable|enable` answers. */
interface SwitchOver {
  readonly target: string;
  readonly kind: 'provider' | 'model';
  readonly action: 'disable' | 'enable';
  readonly at: number;
}

/**
 * `aiq provider disable <name> --reason "…"` and `aiq provider enable <name>`: the fleet-wide
 * switch-over through the admin API, so its validation (an unknown name is a 404
 * `unknown_provider`) and its audit row (`routing_changes`, with the key's user as actor) apply.
 */
export async function providerSwitchCommand(
  config: Config,
  output: Output,
  action: 'disable' | 'enable',
  name: string,
  { reason, json = false }: { reason?: string; json?: boolean },
): Promise<number> {
  const done = await callAdminApi<SwitchOver>(config, output, {
    method: 'POST',
    path: `api/admin/providers/${encodeURIComponent(name)}/${action}`,
    body: reason === undefined ? {} : { reason },
    json,
  });
  if (done === undefined) return 1;
  const at = new Date(done.at).toISOString();
  const result = { ...done, at };
  output.write(
    json
      ? JSON.stringify(result)
      : action === 'disable'
        ? `Disabled ${done.kind} ${done.target} at ${at}: new and retried tasks go to fallbacks`
        : `Enabled ${done.kind} ${done.target} at ${at}: tasks may route to it again`,
  );
  return 0;
}
