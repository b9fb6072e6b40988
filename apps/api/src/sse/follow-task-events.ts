import type { Database } from '@aiq/db';
import { isTerminalEvent, readLastTaskEvent, replayTaskEvents, type TaskEvent } from '@aiq/events';
import { findTask, terminalEventFromRow } from '@aiq/tasks';
import type { Redis } from 'ioredis';
import type { TaskEventFanOut } from './task-event-fan-out.js';

/** What {@link followTaskEvents} reads from. */
export interface FollowDeps {
  readonly fanOut: TaskEventFanOut;
  /** A producer connection, for the replay log. */
  readonly redis: Redis;
  readonly prefix: string;
  readonly database: Database;
  /** `config.sse.replayPageSize`: events read from the replay log per Redis call. */
  readonly config: { readonly sse: { readonly replayPageSize: number } };
}

export interface FollowOptions {
  readonly taskId: string;
  /** The client's `Last-Event-ID`: only events with a higher sequence are yielded. */
  readonly afterSequence: number;
  /** Idle time after which a `heartbeat` is yielded. */
  readonly heartbeatMs: number;
  readonly signal: AbortSignal;
  /**
   * How long to wait for the terminal event once the ledger already says the task ended, before
   * rebuilding it from the row (the replay log expired, or the worker died before publishing).
   * @defaultValue 2 000
   */
  readonly terminalGraceMs?: number;
  /**
   * Stay open after a terminal event, for a retry of the task (`retried` and its new run).
   * @defaultValue false: the stream ends at the terminal event
   */
  readonly followRetries?: boolean;
}

/** An idle tick: write a heartbeat comment so proxies keep the connection open. */
export const HEARTBEAT = 'heartbeat';

async function rowTerminalEvent(database: Database, taskId: string, sequence: number) {
  const row = await findTask(database, taskId);
  return row === undefined ? undefined : terminalEventFromRow(row, sequence + 1);
}

/**
 * True when a client resuming after `afterSequence` already has the task's latest terminal event
 * and nothing has followed it: its stream has nothing more to give unless the task is retried.
 */
export async function hasSeenEnd(
  deps: Pick<FollowDeps, 'redis' | 'prefix'>,
  taskId: string,
  afterSequence: number,
): Promise<boolean> {
  if (afterSequence === 0) return false;
  const last = await readLastTaskEvent(deps.redis, deps.prefix, taskId);
  return last !== undefined && isTerminalEvent(last) && last.sequence <= afterSequence;
}

/**
 * A task's events after `afterSequence`, exactly once and in order, ending with its terminal
 * event (house style R13): subscribe first, replay the log second, then follow live events,
 * dropping those the replay already gave and filling any gap (a pub/sub reconnect) from the log.
 * A retried task's log holds a terminal event followed by `retried` and a new run: the replay
 * goes through, and ends only at the latest terminal event.
 */
export async function* followTaskEvents(
  deps: FollowDeps,
  {
    taskId,
    afterSequence,
    heartbeatMs,
    signal,
    terminalGraceMs = 2_000,
    followRetries = false,
  }: FollowOptions,
): AsyncGenerator<TaskEvent | typeof HEARTBEAT> {
  await deps.fanOut.ready();
  const live = deps.fanOut.subscribe(taskId);
  const onAbort = () => live.close();
  signal.addEventListener('abort', onAbort);
  try {
    let sequence = afterSequence;
    /** The latest event given (or, before any, the latest the client had) is terminal. */
    let ended = await hasSeenEnd(deps, taskId, afterSequence);
    const replay = async function* () {
      const pages = replayTaskEvents(deps.redis, deps.prefix, taskId, {
        afterSequence: sequence,
        pageSize: deps.config.sse.replayPageSize,
      });
      for await (const event of pages) {
        sequence = event.sequence;
        ended = isTerminalEvent(event);
        yield event;
      }
      return ended && !followRetries;
    };
    if (yield* replay()) return;
    // Finished long ago (log expired) or about to publish its end: the row knows.
    let fromRow = ended ? undefined : await rowTerminalEvent(deps.database, taskId, sequence);
    let graceEndsAt = fromRow === undefined ? Infinity : Date.now() + terminalGraceMs;
    let idleSince = Date.now();
    while (!signal.aborted) {
      const waitMs = Math.max(0, Math.min(heartbeatMs, graceEndsAt - Date.now()));
      const event = await live.next(waitMs);
      if (signal.aborted) return;
      if (event === undefined) {
        if (Date.now() >= graceEndsAt && fromRow !== undefined) {
          yield { ...fromRow, sequence: sequence + 1 };
          if (!followRetries) return;
          fromRow = undefined;
          graceEndsAt = Infinity;
          ended = true;
        }
        if (Date.now() - idleSince >= heartbeatMs) {
          idleSince = Date.now();
          // A task can end without its terminal event ever going out (a worker killed between
          // its ledger write and the publish, a repair by the reconciler): while the stream
          // waits, look at the row again, once per heartbeat.
          if (!ended && fromRow === undefined) {
            fromRow = await rowTerminalEvent(deps.database, taskId, sequence);
            if (fromRow !== undefined) graceEndsAt = Date.now() + terminalGraceMs;
          }
          yield HEARTBEAT;
        }
        continue;
      }
      idleSince = Date.now();
      if (event.sequence <= sequence) continue; // the replay already gave it
      if (event.sequence > sequence + 1) {
        if (yield* replay()) return; // a gap: the log has what pub/sub lost
        continue;
      }
      sequence = event.sequence;
      ended = isTerminalEvent(event);
      // The row's end is now either published or stale (a retry reopened the task).
      if (ended || event.type === 'retried') {
        fromRow = undefined;
        graceEndsAt = Infinity;
      }
      yield event;
      if (ended && !followRetries) return;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    live.close();
  }
}
