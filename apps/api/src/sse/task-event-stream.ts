import { isTerminalEvent, type TaskEvent } from '@aiq/events';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ApiDeps } from '../api-deps.js';
import type { AppEnv } from '../app-env.js';
import { cancelOnDisconnect } from '../tasks/cancel-on-disconnect.js';
import { followTaskEvents, hasSeenEnd, HEARTBEAT } from './follow-task-events.js';
import { openStreamLease } from './stream-lease.js';

export interface StreamTaskEventsOptions {
  readonly taskId: string;
  /** From `Last-Event-ID` (or `last_event_id`); 0 replays everything kept. */
  readonly afterSequence: number;
  /** Cancel the task when the client leaves before its terminal event. */
  readonly cancelOnDisconnect: boolean;
  /** Stay open past terminal events, for retries (`?follow=retries`). */
  readonly followRetries?: boolean;
  /**
   * Count the stream under its user's cap on open streams (429 beyond it), and hold the stream
   * token it came with while open and for a grace period after (EventSource's reconnect).
   * @defaultValue false
   */
  readonly leased?: boolean;
}

/** The SSE form of one event: `event` = type, `id` = sequence, `data` = the event as JSON. */
function toServerSentEvent(event: TaskEvent) {
  return { event: event.type, id: String(event.sequence), data: JSON.stringify(event) };
}

/** The `Last-Event-ID` header or `last_event_id` query value as a sequence; 0 when absent or bad. */
export function lastEventIdOf(c: Context<AppEnv>): number {
  const raw = c.req.header('last-event-id') ?? c.req.query('last_event_id') ?? '0';
  const value = Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/**
 * Serves a task's events as SSE until its terminal event, then closes. A client that leaves
 * frees its subscription at once and, when asked, cancels the task. A client that resumes
 * after the terminal event it already has gets 204, which tells EventSource to stop.
 */
export async function streamTaskEvents(
  c: Context<AppEnv>,
  deps: ApiDeps,
  {
    taskId,
    afterSequence,
    cancelOnDisconnect: cancelWhenLeft,
    followRetries = false,
    leased = false,
  }: StreamTaskEventsOptions,
): Promise<Response> {
  const prefix = deps.config.redis.prefix;
  if (!followRetries && (await hasSeenEnd({ redis: deps.redis, prefix }, taskId, afterSequence))) {
    return c.body(null, 204);
  }
  const lease = leased ? await openStreamLease(c, deps) : undefined;
  c.header('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
  return streamSSE(c, async (stream) => {
    const controller = new AbortController();
    let finished = false;
    stream.onAbort(async () => {
      controller.abort();
      if (cancelWhenLeft && !finished) await cancelOnDisconnect(deps, taskId, c.var.logger);
    });
    const events = followTaskEvents(
      { ...deps, prefix },
      {
        taskId,
        afterSequence,
        heartbeatMs: deps.sse.heartbeatMs,
        signal: controller.signal,
        followRetries,
      },
    );
    // Tells EventSource how long to wait before reconnecting; our client has its own backoff.
    await stream.write('retry: 1000\n\n');
    try {
      for await (const item of events) {
        if (item === HEARTBEAT) {
          await stream.write(': heartbeat\n\n');
          continue;
        }
        finished = isTerminalEvent(item) && !followRetries;
        await stream.writeSSE(toServerSentEvent(item));
      }
    } catch (error) {
      // Redis went away mid-stream: end the response; the client resumes with Last-Event-ID.
      c.var.logger.warn({ err: (error as Error).message, taskId }, 'task event stream failed');
    } finally {
      // Ended, failed or left (an abort ends `events`): the slot is free again at once.
      await lease?.release();
    }
  });
}
