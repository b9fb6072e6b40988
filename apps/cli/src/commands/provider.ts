import { redactUrl, type Config } from '@aiq/config';
import { createRedisConnection, waitUntilReady } from '@aiq/queue';
import type { RoutingState } from '@aiq/routing';
import { renderTable, type Output } from '../output.js';
import {
  describeDisabled,
  describeNextProbe,
  readFleetRouting,
  routingRows,
} from '../routing-view.js';

/** Reads the routing state on a connection of its own, closed after it whatever happens. */
async function readRouting(config: Config): Promise<RoutingState> {
  const redis = createRedisConnection({ url: config.redis.url, role: 'producer', name: 'aiq-cli' });
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
 * `aiq provider list [--json]`: each provider's circuit and disabled flag, and each model's
 * whose own circuit has a history or that is disabled. Read-only, straight from Redis (the state
 * every worker and API process routes by). Exit 1, with one line, when Redis cannot be read.
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
  const rows = routingRows(state);
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
        disabled: describeDisabled(row),
      })),
    ),
  );
  return 0;
}
