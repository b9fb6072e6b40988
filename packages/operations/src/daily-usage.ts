import { statusQueries, type Database } from '@aiq/db';

/** Tokens and cost of one UTC day, cache hits included (they cost nothing). */
export interface DailyUsage {
  readonly day: string;
  readonly requests: number;
  readonly tokens: number;
  readonly costUsd: number;
}

interface UsageRow {
  day: string;
  requests: number;
  tokens_used: number;
  cost_usd: number;
}

/** `aiq usage --by day` summed over cache hits and misses, oldest day first, for a chart. */
export async function readDailyUsage(database: Database, sinceMs: number): Promise<DailyUsage[]> {
  const seconds = Math.max(1, Math.round(sinceMs / 1000));
  const rows = await database.query<UsageRow>(statusQueries.usageByDay, [seconds]);
  const days = new Map<string, { requests: number; tokens: number; costUsd: number }>();
  for (const row of rows) {
    const day = days.get(row.day) ?? { requests: 0, tokens: 0, costUsd: 0 };
    day.requests += row.requests;
    day.tokens += row.tokens_used;
    day.costUsd += row.cost_usd;
    days.set(row.day, day);
  }
  return [...days.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, usage]) => ({ day, ...usage, costUsd: Math.round(usage.costUsd * 1e6) / 1e6 }));
}
