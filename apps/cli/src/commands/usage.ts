import type { Config } from '@aiq/config';
import { createDb, statusQueries } from '@aiq/db';
import { renderTable, type Output } from '../output.js';

export const USAGE_GROUPS = ['model', 'user', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

const QUERY = {
  model: statusQueries.usageByModel,
  user: statusQueries.usageByUser,
  day: statusQueries.usageByDay,
} as const;

interface UsageRow {
  readonly cache_hit: boolean;
  readonly requests: number;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly tokens_used: number;
  readonly cost_usd: number;
  readonly [group: string]: unknown;
}

interface UsageTotals {
  requests: number;
  tokens_used: number;
  cost_usd: number;
}

function totalsOf(rows: readonly UsageRow[]): UsageTotals {
  const totals = { requests: 0, tokens_used: 0, cost_usd: 0 };
  for (const row of rows) {
    totals.requests += row.requests;
    totals.tokens_used += row.tokens_used;
    totals.cost_usd += row.cost_usd;
  }
  return { ...totals, cost_usd: Math.round(totals.cost_usd * 1e6) / 1e6 };
}

/**
 * `aiq usage [--since 1d] [--by model|user|day] [--json]`: tokens and cost from the ledger,
 * provider calls and cache hits (cost 0, no provider call) apart, with totals of each.
 */
export async function usageCommand(
  config: Config,
  output: Output,
  { since, by, json = false }: { since: number; by: UsageGroup; json?: boolean },
): Promise<number> {
  const seconds = Math.max(1, Math.round(since / 1000));
  let rows: UsageRow[];
  try {
    const database = await createDb(config.database, { applicationName: 'aiq-cli' });
    try {
      rows = await database.query<UsageRow>(QUERY[by], [seconds]);
    } finally {
      await database.close();
    }
  } catch (error) {
    output.error(`aiq usage: ${(error as Error).message}`);
    return 1;
  }
  const calls = rows.filter((row) => !row.cache_hit);
  const cacheHits = rows.filter((row) => row.cache_hit);
  const totals = { providerCalls: totalsOf(calls), cacheHits: totalsOf(cacheHits) };
  if (json) {
    output.write(JSON.stringify({ by, seconds, rows, totals }));
    return 0;
  }
  const table = (subset: readonly UsageRow[]) =>
    renderTable(
      subset.map(({ cache_hit: _cacheHit, cost_usd, ...row }) => ({
        ...row,
        cost_usd: cost_usd.toFixed(6),
      })),
      { colour: output.tty === true },
    );
  const line = ({ requests, tokens_used, cost_usd }: UsageTotals) =>
    `${requests} requests, ${tokens_used} tokens, $${cost_usd.toFixed(6)}`;
  output.write(
    [
      `Provider calls by ${by}:`,
      table(calls),
      `Total: ${line(totals.providerCalls)}`,
      '',
      `Cache hits by ${by} (no provider call, cost 0):`,
      table(cacheHits),
      `Total: ${line(totals.cacheHits)}`,
    ].join('\n'),
  );
  return 0;
}
