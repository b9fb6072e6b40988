import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@aiq/db';
import type { Logger } from '@aiq/logger';
import { redisScript } from '@aiq/queue';
import type { Redis } from 'ioredis';
import { parkLedgerWrite, type ParkedWrite } from './ledger-dead-stream.js';
import type { AttemptRecord, TaskUpdate } from './ledger-records.js';
import type { LedgerWriteFailure } from './ledger-write-error.js';
import { classifyWriteFailure } from './ledger-write-error.js';
import { writeBatchOrRows, type PendingWrite } from './write-batch-or-rows.js';
import type { LedgerOperation } from './write-ledger-batch.js';

/** Options of {@link createLedgerWriter}. */
export interface LedgerWriterOptions {
  database: Database;
  /** A command connection; the writer duplicates it for its blocking reads. */
  redis: Redis;
  /** The queue prefix: the outbox is the stream `<prefix>:ledger`. */
  prefix: string;
  logger: Logger;
  /**
   * Writes the outbox holds (not yet in Postgres) before the oldest are dropped: each drop is
   * counted in `stats().dropped` and logged at error level, never silent. Each write costs
   * Redis memory (a few hundred bytes plus the prompt and response).
   * @defaultValue 100 000
   */
  maxBuffered?: number;
  /**
   * Bytes of Redis memory the outbox may take (`MEMORY USAGE` of its stream) before the oldest
   * writes are dropped, counted and logged like those beyond `maxBuffered`: a write carries its
   * prompt and response, so a count alone does not bound memory under `noeviction`.
   * @defaultValue 134 217 728 (128 MiB)
   */
  maxBufferedBytes?: number;
  /** Writes per transaction. @defaultValue 500 */
  batchSize?: number;
  /** First wait after a failed write; doubles up to 5 s while Postgres stays away. @defaultValue 250 ms */
  retryDelayMs?: number;
  /**
   * A batch read by a writer that stopped (a killed worker) is taken over by another writer
   * after it has been pending this long. @defaultValue 30 000 ms
   */
  claimIdleMs?: number;
  /** Longest blocking read of the outbox. @defaultValue 1 000 ms */
  blockMs?: number;
}

/** Counters for metrics, health and tests. */
export interface LedgerStats {
  /** Writes waiting in the outbox (every process's), as last seen. */
  readonly buffered: number;
  /** Writes this process put in Postgres. */
  readonly written: number;
  /** Writes this process dropped because the outbox was full. */
  readonly dropped: number;
  readonly failedFlushes: number;
  /**
   * Writes this process parked in the dead stream (`<prefix>:ledger:dead`) because Postgres
   * refuses them for good (SQLSTATE class 22 or 23), so the writes after them go through.
   */
  readonly parked: number;
  /**
   * How long this writer has held the batch it is writing, in ms; 0 between batches. A batch
   * takes well under a second: beyond `claimIdleMs` the writer is stuck (Postgres away).
   */
  readonly pendingBatchAgeMs: number;
}

/** The workers' only way to write the ledger. Recording never waits for Postgres. */
export interface LedgerWriter {
  /** Appends one `ai_requests` row to the outbox; resolved means it survives this process. */
  recordAttempt(record: AttemptRecord): Promise<void>;
  /** Appends one `background_tasks` change to the outbox. */
  updateTask(update: TaskUpdate): Promise<void>;
  /** Resolves once everything this process recorded is in Postgres (waits out outages). */
  flush(): Promise<void>;
  stats(): LedgerStats;
  /**
   * Flushes for at most `timeoutMs`, then stops reading the outbox. Whatever is not written
   * yet stays in Redis for the other writers (or this worker's next start).
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** The outbox stream of a queue prefix. */
export function ledgerStreamKey(prefix: string): string {
  return `${prefix}:ledger`;
}

/** The consumer group every ledger writer of a prefix reads the outbox in. */
export const LEDGER_GROUP = 'ledger-writers';

const MAX_RETRY_DELAY_MS = 5_000;
const FLUSH_POLL_MS = 20;
/** A consumer with nothing pending and idle this long belonged to a process that is gone. */
const FORGET_CONSUMER_AFTER_MS = 3_600_000;

// Append and bound in one step: XTRIM drops the oldest entries beyond the bounds and says how
// many, so the writer that hit a bound can count and log them. The byte bound reads the
// stream's sampled MEMORY USAGE (O(1): five listpack nodes) and, when over, keeps the newest
// entries that fit at the stream's average entry size (at least the one just added), as Redis
// Streams trim by count only.
const APPEND_SCRIPT = `
local id = redis.call('XADD', KEYS[1], '*', 'op', ARGV[1])
local dropped = redis.call('XTRIM', KEYS[1], 'MAXLEN', tonumber(ARGV[2]))
local maxBytes = tonumber(ARGV[3])
local used = redis.call('MEMORY', 'USAGE', KEYS[1])
if used > maxBytes then
  local length = redis.call('XLEN', KEYS[1])
  local keep = math.max(1, math.floor(length * maxBytes / used))
  dropped = dropped + redis.call('XTRIM', KEYS[1], 'MAXLEN', keep)
end
return {id, dropped}`;
const appendScript = redisScript(APPEND_SCRIPT);

type StreamEntry = [id: string, fields: string[]];

function operationOf([, fields]: StreamEntry): LedgerOperation | undefined {
  if (!Array.isArray(fields)) return undefined; // deleted meanwhile (Redis 6.2 claims say nil)
  const index = fields.indexOf('op');
  const value = index === -1 ? undefined : fields[index + 1];
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as LedgerOperation;
  } catch {
    return undefined;
  }
}

function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.includes('NOGROUP');
}

/**
 * A transactional outbox in a Redis stream. Recording appends to the stream (Redis is where the
 * jobs live, with AOF on, so a write recorded before a job moves on survives a SIGKILL of the
 * worker); every worker process reads the stream in one consumer group and writes batches to
 * Postgres, acknowledging and deleting them only once committed. Through a Postgres outage the
 * writes wait in the stream, bounded; a batch held by a writer that died is claimed by another
 * after `claimIdleMs`. Rows are idempotent (deterministic ids, first terminal status wins), so a
 * batch written twice is stored once.
 */
export function createLedgerWriter({
  database,
  redis,
  prefix,
  logger,
  maxBuffered = 100_000,
  maxBufferedBytes = 134_217_728,
  batchSize = 500,
  retryDelayMs = 250,
  claimIdleMs = 30_000,
  blockMs = 1_000,
}: LedgerWriterOptions): LedgerWriter {
  const key = ledgerStreamKey(prefix);
  const consumer = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const reader = redis.duplicate({ connectionName: 'aiq-ledger-reader' });
  reader.on('error', () => undefined); // the command connection's handler reports outages
  const stop = new AbortController();
  let written = 0;
  let dropped = 0;
  let failedFlushes = 0;
  let parked = 0;
  let batchSince: number | undefined;
  let buffered = 0;
  let lastDropLog = 0;
  let lastAppended: string | undefined;
  let outageSince: number | undefined;

  async function append(operation: LedgerOperation): Promise<void> {
    const [id, trimmed] = (await appendScript.run(
      redis,
      [key],
      [JSON.stringify(operation), maxBuffered, maxBufferedBytes],
    )) as [string, number];
    lastAppended = id;
    if (trimmed > 0) {
      dropped += trimmed;
      const now = Date.now();
      if (now - lastDropLog > 5_000) {
        lastDropLog = now;
        logger.error(
          { dropped, maxBuffered, maxBufferedBytes },
          'ledger buffer full: dropping the oldest ledger write (Postgres unreachable too long)',
        );
      }
    }
  }

  async function ensureGroup(): Promise<void> {
    try {
      // From the start of the stream: writes appended before the group existed are read too.
      await redis.xgroup('CREATE', key, LEDGER_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
    }
  }

  /**
   * Reads a batch for this writer: new entries (`>`, waiting up to `blockMs` for one), or its own
   * batches read but never acknowledged (`0`): its acknowledgement failed (Redis out of memory
   * refuses it), or the loop failed between read and write.
   */
  async function readBatch(from: '>' | '0'): Promise<StreamEntry[]> {
    const block = from === '>' ? ['BLOCK', blockMs] : [];
    const reply = (await reader.call(
      'XREADGROUP',
      ...['GROUP', LEDGER_GROUP, consumer, 'COUNT', batchSize, ...block, 'STREAMS', key, from],
    )) as [string, StreamEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  /** Takes over batches that a writer read but never acknowledged (it was killed). */
  async function claimStale(): Promise<StreamEntry[]> {
    const [, entries] = (await redis.xautoclaim(
      key,
      LEDGER_GROUP,
      consumer,
      claimIdleMs,
      '0-0',
      'COUNT',
      batchSize,
    )) as [string, StreamEntry[], string[]];
    if (entries.length > 0) {
      logger.warn({ writes: entries.length }, 'ledger took over writes left by a stopped writer');
    }
    await forgetGoneConsumers();
    return entries;
  }

  async function forgetGoneConsumers(): Promise<void> {
    const consumers = (await redis.xinfo('CONSUMERS', key, LEDGER_GROUP)) as unknown[][];
    for (const fields of consumers) {
      const info = new Map<unknown, unknown>();
      for (let index = 0; index < fields.length; index += 2) {
        info.set(fields[index], fields[index + 1]);
      }
      const name = String(info.get('name'));
      if (name === consumer || Number(info.get('pending')) > 0) continue;
      if (Number(info.get('idle')) > FORGET_CONSUMER_AFTER_MS) {
        await redis.xgroup('DELCONSUMER', key, LEDGER_GROUP, name);
      }
    }
  }

  function pendingOf(entries: StreamEntry[]): PendingWrite[] {
    return entries.flatMap((entry) => {
      const operation = operationOf(entry);
      return operation === undefined ? [] : [{ entryId: entry[0], operation }];
    });
  }

  /** Keeps a write Postgres refuses for good in the dead stream, counted and logged by id only. */
  async function park(write: ParkedWrite): Promise<void> {
    await parkLedgerWrite(redis, prefix, write, Date.now());
    parked += 1;
    // Never the error itself: its message and fields carry the query's parameters (user text).
    const { code, entryId, rowId } = write;
    logger.error(
      { code, entryId, rowId, parked },
      'ledger write refused by Postgres; parked in the dead stream',
    );
  }

  function parkRefused({ entryId, operation }: PendingWrite, { code }: LedgerWriteFailure) {
    const rowId = operation.kind === 'attempt' ? operation.record.id : operation.update.taskId;
    return park({ entryId, op: JSON.stringify(operation), code, rowId });
  }

  /** Writes one batch, retrying until Postgres takes it; false if stopped first. */
  async function write(entries: StreamEntry[]): Promise<boolean> {
    batchSince = Date.now();
    for (const [entryId, fields] of entries) {
      // Deleted meanwhile (Redis 6.2 claims say nil): another writer wrote it.
      if (!Array.isArray(fields) || operationOf([entryId, fields]) !== undefined) continue;
      const index = fields.indexOf('op');
      const op = index === -1 ? '' : (fields[index + 1] ?? '');
      await park({ entryId, op, code: 'unreadable', rowId: undefined });
    }
    const pending = pendingOf(entries);
    const total = pending.length;
    const parkedBefore = parked;
    let delay = retryDelayMs;
    for (;;) {
      try {
        await writeBatchOrRows({
          db: database.db,
          pending,
          park: parkRefused,
          onBatchRefused: ({ code }) =>
            logger.warn(
              { code, writes: pending.length },
              'ledger batch refused; writing it row by row',
            ),
        });
        break;
      } catch (error) {
        failedFlushes += 1;
        if (outageSince === undefined) {
          outageSince = Date.now();
          logger.warn(
            {
              code: classifyWriteFailure(error).code,
              buffered: Math.max(buffered, entries.length),
            },
            'ledger write failed; holding writes until Postgres answers',
          );
        }
        // Left pending: another writer claims the batch after `claimIdleMs`.
        if (stop.signal.aborted) return false;
        await sleep(delay, undefined, { signal: stop.signal }).catch(() => undefined);
        if (stop.signal.aborted) return false;
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
      }
    }
    const ids = entries.map(([id]) => id);
    // A pipeline, not MULTI: at maxmemory Redis refuses MULTI itself (EXECABORT), while XACK
    // and XDEL go through and free the memory the outbox holds.
    const replies = await redis
      .pipeline()
      .xack(key, LEDGER_GROUP, ...ids)
      .xdel(key, ...ids)
      .xlen(key)
      .exec();
    const refused = replies?.find(([error]) => error !== null)?.[0];
    if (refused) throw refused;
    buffered = Number(replies?.[2]?.[1] ?? buffered);
    written += total - (parked - parkedBefore);
    batchSince = undefined;
    if (outageSince !== undefined) {
      logger.info({ outageMs: Date.now() - outageSince, buffered }, 'ledger writes resumed');
      outageSince = undefined;
    }
    return true;
  }

  async function run(): Promise<void> {
    let lastClaim = 0;
    // After a failure, this writer's own unacknowledged batch comes first: left to the claim,
    // it would wait `claimIdleMs` (30 s) though this writer is alive and Redis answers again.
    let ownPending = false;
    let delay = retryDelayMs;
    while (!stop.signal.aborted) {
      try {
        await ensureGroup();
        for (;;) {
          let entries: StreamEntry[] = [];
          if (Date.now() - lastClaim >= claimIdleMs / 2) {
            lastClaim = Date.now();
            entries = await claimStale();
          }
          if (entries.length === 0 && ownPending) {
            entries = await readBatch('0');
            ownPending = entries.length > 0;
          }
          if (entries.length === 0) entries = await readBatch('>');
          if (stop.signal.aborted) return;
          if (entries.length > 0 && !(await write(entries))) return;
          delay = retryDelayMs;
        }
      } catch (error) {
        if (stop.signal.aborted) return;
        // NOGROUP: the stream was lost (FLUSHALL, failover); the loop creates it again.
        if (!isNoGroup(error)) logger.warn({ err: error }, 'ledger outbox read failed');
        ownPending = true;
        await sleep(delay, undefined, { signal: stop.signal }).catch(() => undefined);
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }

  const running = run();

  async function flush(): Promise<void> {
    const upTo = lastAppended;
    if (upTo === undefined) return;
    // Written entries are deleted: none left up to our last append means all of ours are in.
    while ((await redis.xrange(key, '-', upTo, 'COUNT', 1)).length > 0) {
      await sleep(FLUSH_POLL_MS);
    }
  }

  return {
    recordAttempt: (record) => append({ kind: 'attempt', record }),
    updateTask: (update) => append({ kind: 'task', update }),
    flush,
    stats: () => ({
      buffered,
      written,
      dropped,
      failedFlushes,
      parked,
      pendingBatchAgeMs: batchSince === undefined ? 0 : Date.now() - batchSince,
    }),
    async close({ timeoutMs = 10_000 } = {}) {
      let timeout: NodeJS.Timeout | undefined;
      const expired = new Promise<'timeout'>((resolve) => {
        timeout = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      // With Redis away there is nothing to wait for: the outbox keeps what it holds.
      const outcome =
        redis.status === 'ready'
          ? await Promise.race([flush().then(() => 'flushed' as const), expired])
          : 'timeout';
      clearTimeout(timeout);
      stop.abort();
      reader.disconnect(); // ends a blocking read at once
      // A write or acknowledgement stuck on an unreachable server is not waited for: what it
      // held stays pending in the outbox for the other writers.
      await Promise.race([running, sleep(2_000)]);
      if (outcome === 'timeout') {
        const left = redis.status === 'ready' ? await redis.xlen(key) : buffered;
        logger.warn({ buffered: left }, 'ledger writer stopped; unwritten writes stay in Redis');
      }
    },
  };
}
