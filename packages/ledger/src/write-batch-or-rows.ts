import type { Db } from '@aiq/db';
import { classifyWriteFailure, type LedgerWriteFailure } from './ledger-write-error.js';
import { writeLedgerBatch, type LedgerOperation } from './write-ledger-batch.js';

/** An outbox entry and the write it holds. */
export interface PendingWrite {
  readonly entryId: string;
  readonly operation: LedgerOperation;
}

/** Options of {@link writeBatchOrRows}. */
export interface WriteBatchOrRowsOptions {
  readonly db: Db;
  /**
   * The writes not yet in Postgres, in outbox order. Each one written or parked is taken out,
   * so a retry after an outage does not write or park it again.
   */
  readonly pending: PendingWrite[];
  /** Called for a write Postgres refuses for good; resolved means it is kept elsewhere. */
  readonly park: (write: PendingWrite, failure: LedgerWriteFailure) => Promise<void>;
  /** Called once when the batch as a whole was refused for good. */
  readonly onBatchRefused?: (failure: LedgerWriteFailure) => void;
}

/**
 * Writes the batch in one transaction; when Postgres refuses it for good (SQLSTATE class 22 or
 * 23: one bad row fails the whole transaction), writes it again row by row and parks only the
 * rows refused on their own. An outage (any other error) is thrown, for the caller to retry.
 */
export async function writeBatchOrRows({
  db,
  pending,
  park,
  onBatchRefused,
}: WriteBatchOrRowsOptions): Promise<void> {
  if (pending.length === 0) return;
  try {
    await writeLedgerBatch(
      db,
      pending.map((write) => write.operation),
    );
    pending.length = 0;
    return;
  } catch (error) {
    const failure = classifyWriteFailure(error);
    if (!failure.permanent) throw error;
    onBatchRefused?.(failure);
  }
  // Row by row in outbox order, so a task's `started` still lands before its `finished`.
  while (pending.length > 0) {
    const [write] = pending;
    if (write === undefined) break;
    try {
      await writeLedgerBatch(db, [write.operation]);
    } catch (error) {
      const failure = classifyWriteFailure(error);
      if (!failure.permanent) throw error;
      await park(write, failure);
    }
    pending.shift();
  }
}
