export type { AttemptRecord, TaskOutcome, TaskUpdate } from './ledger-records.js';
export { attemptRecordId } from './attempt-record-id.js';
export { ledgerDeadStreamKey } from './ledger-dead-stream.js';
export {
  createLedgerWriter,
  LEDGER_GROUP,
  ledgerStreamKey,
  type LedgerStats,
  type LedgerWriter,
  type LedgerWriterOptions,
} from './ledger-writer.js';
export { writeLedgerBatch, type LedgerOperation } from './write-ledger-batch.js';
