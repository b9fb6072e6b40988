import type { Database } from '@aiq/db';
import type { Logger } from '@aiq/logger';
import type { AttemptRecord, TaskUpdate } from './ledger-records.js';
import { writeLedgerBatch, type LedgerOperation } from './write-ledger-batch.js';

/** Options of {@link createLedgerWriter}. */
export interface LedgerWriterOptions {
  database: Database;
  logger: Logger;
  /**
   * Writes held while Postgres is unreachable. When full, the oldest write is dropped, counted
   * in `stats().dropped` and logged at error level: never silently.
   * @defaultValue 100 000 (a few hundred bytes each: tens of MB at most)
   */
  maxBuffered?: number;
  /** Writes per transaction. @defaultValue 500 */
  batchSize?: number;
  /** How long a write may wait for company before a flush starts. @defaultValue 50 ms */
  flushDelayMs?: number;
  /** First wait after a failed flush; doubles up to 5 s while Postgres stays away. @defaultValue 250 ms */
  retryDelayMs?: number;
}

/** Counters for metrics, health and tests. */
export interface LedgerStats {
  readonly buffered: number;
  readonly written: number;
  readonly dropped: number;
  readonly failedFlushes: number;
}

/** The workers' only way to write the ledger. Recording never blocks on Postgres. */
export interface LedgerWriter {
  /** Buffers one `ai_requests` row. */
  recordAttempt(record: AttemptRecord): void;
  /** Buffers one `background_tasks` change. */
  updateTask(update: TaskUpdate): void;
  /** Resolves once everything recorded before the call is written (waits out outages). */
  flush(): Promise<void>;
  stats(): LedgerStats;
  /**
   * Flushes for at most `timeoutMs`, then stops. Anything still buffered is logged with its
   * count (the reconciler repairs task rows from Redis).
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

const MAX_RETRY_DELAY_MS = 5_000;

/**
 * A batched writer with a bounded in-memory buffer: workers record and move on; one loop per
 * process writes batches in transactions, and holds them through a Postgres outage, writing
 * them in order when it returns.
 */
export function createLedgerWriter({
  database,
  logger,
  maxBuffered = 100_000,
  batchSize = 500,
  flushDelayMs = 50,
  retryDelayMs = 250,
}: LedgerWriterOptions): LedgerWriter {
  const buffer: LedgerOperation[] = [];
  let written = 0; // operations written since start
  let dropped = 0;
  let failedFlushes = 0;
  let enqueued = 0; // operations ever recorded
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let outageSince: number | undefined;
  let lastDropLog = 0;
  const waiters: { upTo: number; resolve: () => void }[] = [];

  function settleWaiters(): void {
    const done = written + dropped;
    for (let index = waiters.length - 1; index >= 0; index -= 1) {
      const waiter = waiters[index];
      if (waiter && waiter.upTo <= done) {
        waiters.splice(index, 1);
        waiter.resolve();
      }
    }
  }

  function push(operation: LedgerOperation): void {
    if (buffer.length >= maxBuffered) {
      const lost = buffer.shift();
      dropped += 1;
      const now = Date.now();
      if (now - lastDropLog > 5_000) {
        lastDropLog = now;
        logger.error(
          { dropped, maxBuffered, lost: lost?.kind },
          'ledger buffer full: dropping the oldest ledger write (Postgres unreachable too long)',
        );
      }
    }
    buffer.push(operation);
    enqueued += 1;
    schedule(flushDelayMs);
  }

  function schedule(delayMs: number): void {
    if (running !== undefined || timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = drain().finally(() => {
        running = undefined;
        if (buffer.length > 0) schedule(0);
      });
    }, delayMs);
  }

  async function drain(): Promise<void> {
    let delay = retryDelayMs;
    while (buffer.length > 0) {
      const batch = buffer.slice(0, batchSize);
      try {
        await writeLedgerBatch(database.db, batch);
      } catch (error) {
        failedFlushes += 1;
        if (outageSince === undefined) {
          outageSince = Date.now();
          logger.warn(
            { err: error, buffered: buffer.length },
            'ledger write failed; holding writes until Postgres answers',
          );
        }
        if (closed) return;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
        continue;
      }
      // Only now remove them: a write that failed stays at the head, in order.
      buffer.splice(0, batch.length);
      written += batch.length;
      delay = retryDelayMs;
      if (outageSince !== undefined) {
        logger.info(
          { outageMs: Date.now() - outageSince, buffered: buffer.length },
          'ledger writes resumed',
        );
        outageSince = undefined;
      }
      settleWaiters();
    }
  }

  function flush(): Promise<void> {
    const upTo = enqueued;
    if (written + dropped >= upTo) return Promise.resolve();
    return new Promise((resolve) => {
      waiters.push({ upTo, resolve });
      schedule(0);
    });
  }

  return {
    recordAttempt: (record) => push({ kind: 'attempt', record }),
    updateTask: (update) => push({ kind: 'task', update }),
    flush,
    stats: () => ({ buffered: buffer.length, written, dropped, failedFlushes }),
    async close({ timeoutMs = 10_000 } = {}) {
      let timeout: NodeJS.Timeout | undefined;
      const expired = new Promise<'timeout'>((resolve) => {
        timeout = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([flush().then(() => 'flushed' as const), expired]);
      clearTimeout(timeout);
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (outcome === 'timeout' && buffer.length > 0) {
        logger.error({ buffered: buffer.length }, 'ledger closed with unwritten writes');
      }
    },
  };
}
