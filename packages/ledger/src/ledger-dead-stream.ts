import type { Redis } from 'ioredis';

/**
 * Where a ledger write that Postgres refuses for good is parked: the stream
 * `<prefix>:ledger:dead`, beside the outbox. Each entry keeps the write as it was recorded
 * (`op`), the SQLSTATE that refused it (`code`), the outbox entry id and the row id, so an
 * operator can read, fix and replay it (`XRANGE`), as Sidekiq's dead set keeps its jobs.
 */
export function ledgerDeadStreamKey(prefix: string): string {
  return `${prefix}:ledger:dead`;
}

/**
 * Entries the dead stream keeps (about: `MAXLEN ~`); the oldest go first. Poisoned writes are
 * rare, and the bound keeps a flood of them from filling a `noeviction` Redis.
 */
const DEAD_STREAM_MAX_LENGTH = 10_000;

/** One parked write. */
export interface ParkedWrite {
  /** The outbox entry id. */
  readonly entryId: string;
  /** The write as JSON, as the outbox held it. */
  readonly op: string;
  /** Why: the SQLSTATE, or `unreadable` for an entry that does not parse. */
  readonly code: string;
  /** The `ai_requests` id or the task id it would have written, when known. */
  readonly rowId: string | undefined;
}

/** Appends a write to the dead stream. */
export async function parkLedgerWrite(
  redis: Redis,
  prefix: string,
  { entryId, op, code, rowId }: ParkedWrite,
  now: number,
): Promise<void> {
  await redis.xadd(
    ledgerDeadStreamKey(prefix),
    'MAXLEN',
    '~',
    DEAD_STREAM_MAX_LENGTH,
    '*',
    'op',
    op,
    'code',
    code,
    'entry',
    entryId,
    'row',
    rowId ?? '',
    'at',
    String(now),
  );
}
