import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.js';

/** The drizzle database, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A primitive a raw query may bind. */
export type SqlParameter = string | number | boolean | null | Date;

/** An open ledger database: drizzle for typed queries, `query` for raw SQL such as the runbook's. */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  /** Runs one SQL statement and returns its rows, the same shape for both drivers. */
  query<Row = Record<string, unknown>>(text: string, parameters?: SqlParameter[]): Promise<Row[]>;
  /** Applies the checked-in drizzle-kit migrations that are not applied yet. */
  migrate(): Promise<void>;
  /** Applied and available migration counts; `current` when none is pending. */
  migrationStatus(): Promise<MigrationStatus>;
  /**
   * LISTENs on a channel (e.g. the runbook's `high_token_usage`); resolves once listening.
   * @returns a function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Resolves when the database answers `SELECT 1`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface MigrationStatus {
  readonly applied: number;
  readonly available: number;
  readonly current: boolean;
}
