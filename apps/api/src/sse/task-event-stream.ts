import { isTerminalEvent, type TaskEvent } from '@aiq/events';
import type { Context } from 'hono';
import type { ApiDeps } from '../api-deps.js';
import type { AppEnv } from '../app-env.js';
import { cancelOnDisconnect } from '../tasks/cancel-on-disconnect.js';
import { followTaskEvents, hasSeenEnd, HEARTBEAT, type FollowDeps } from './follow-task-events.js';
import { sseResponse } from './sse-response.js';
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

/**
 * One event in SSE framing, as Hono's `writeSSE` frames it: `event` = type, `data` = the event
 * as JSON (one line: JSON.stringify escapes newlines), `id` = sequence.
 */
function serverSentEvent(event: TaskEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\nid: ${event.sequence}\n\n`;
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
  // Everything the stream needs from the request, taken now: an open stream holds no reference
  // to Hono's context (about 20 closures and its maps), most of a stream's memory (issue 14).
  // Logged with the request's id, through the process's logger: no child logger per stream.
  const requestId = c.var.requestId;
  const controller = new AbortController();
  let finished = false;
  const frames = sseFrames(
    { ...deps, prefix },
    { taskId, afterSequence, followRetries, signal: controller.signal },
    {
      onTerminal: () => (finished = true),
      onFailure: (error) =>
        // Redis went away mid-stream: end the response; the client resumes with Last-Event-ID.
        deps.logger.warn(
          { requestId, err: (error as Error).message, taskId },
          'task event stream failed',
        ),
      // Ended, failed or left (an abort ends the events): the slot is free again at once.
      onEnd: () => lease?.release(),
    },
  );
  return sseResponse(c, frames, {
    async onCancel() {
      controller.abort(); // ends the events the frames wait on
      if (cancelWhenLeft && !finished) {
        await cancelOnDisconnect(deps, taskId, deps.logger.child({ requestId }));
      }
    },
  });
}

interface FrameHooks {
  /** A terminal event went out (the stream ends after it unless it follows retries). */
  onTerminal(): void;
  onFailure(error: unknown): void;
  onEnd(): Promise<void> | undefined;
}

/** The response body's text: the reconnect delay, then each event or heartbeat, framed. */
async function* sseFrames(
  deps: FollowDeps & Pick<ApiDeps, 'sse'>,
  options: {
    taskId: string;
    afterSequence: number;
    followRetries: boolean;
    signal: AbortSignal;
  },
  hooks: FrameHooks,
): AsyncGenerator<string, void> {
  try {
    // Tells EventSource how long to wait before reconnecting; our client has its own backoff.
    yield 'retry: 1000\n\n';
    const events = followTaskEvents(deps, { ...options, heartbeatMs: deps.sse.heartbeatMs });
    for await (const item of events) {
      if (item === HEARTBEAT) {
        yield ': heartbeat\n\n';
        continue;
      }
      if (isTerminalEvent(item) && !options.followRetries) hooks.onTerminal();
      yield serverSentEvent(item);
    }
  } catch (error) {
    hooks.onFailure(error);
  } finally {
    await hooks.onEnd();
  }
}
