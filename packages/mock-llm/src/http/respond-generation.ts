import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import type { GenerationPlan, StreamFault } from '../generation/plan-generation.js';
import type { MockEnv } from './mock-env.js';
import { pause, untilClosed } from './pause.js';
import type { ProviderDialect, ResponseContext, StreamFrames } from './provider-dialect.js';
import { sendError, sendJson } from './send-error.js';
import { SseWriter } from './sse-writer.js';

/**
 * Answers a non-streaming request after the time the tokens would have taken, or applies
 * the stream fault in its non-streaming form (dropped socket, hang, error status, cut JSON).
 */
export async function respondJson<T>(
  c: Context<MockEnv>,
  dialect: ProviderDialect<T>,
  context: ResponseContext,
): Promise<Response> {
  const { plan, entry } = context;
  const generationMs = plan.ttftMs + plan.tokenDelayMs * Math.max(0, plan.tokens.length - 1);
  if (!(await pause(generationMs, c.var.closed))) return RESPONSE_ALREADY_SENT;
  switch (plan.streamFault?.kind) {
    case 'disconnect':
      c.env.outgoing.destroy();
      return RESPONSE_ALREADY_SENT;
    case 'hang':
      await untilClosed(c.var.closed);
      return RESPONSE_ALREADY_SENT;
    case 'stream_error':
      return sendError(dialect, entry, dialect.streamErrorFallback);
    case 'malformed_sse': {
      const text = JSON.stringify(dialect.completion(context));
      const headers = {
        ...dialect.headers(entry, { limited: false, resetSeconds: 0 }),
        'content-type': 'application/json',
      };
      return new Response(text.slice(0, Math.floor(text.length / 2)), { status: 200, headers });
    }
    case undefined:
      return sendJson(dialect, entry, dialect.completion(context));
  }
}

/** Writes the frames for a stream fault and stops the stream. */
async function strike(
  writer: SseWriter,
  frames: StreamFrames,
  fault: StreamFault,
  closed: AbortSignal,
): Promise<void> {
  switch (fault.kind) {
    case 'disconnect':
      writer.destroy();
      return;
    case 'hang':
      await untilClosed(closed);
      return;
    case 'malformed_sse':
      await writer.write(frames.malformed());
      writer.end();
      return;
    case 'stream_error':
      await writer.write(frames.error());
      writer.end();
      return;
  }
}

/** Streams the planned tokens with their pacing; stops quietly when the client goes away. */
async function streamTokens(
  writer: SseWriter,
  frames: StreamFrames,
  plan: GenerationPlan,
  closed: AbortSignal,
): Promise<void> {
  for (const frame of frames.start()) {
    if (!(await writer.write(frame))) return;
  }
  if (!(await pause(plan.ttftMs, closed))) return;
  const fault = plan.streamFault;
  for (const [index, token] of plan.tokens.entries()) {
    if (fault && index === fault.after) return strike(writer, frames, fault, closed);
    if (index > 0 && !(await pause(plan.tokenDelayMs, closed))) return;
    if (!(await writer.write(frames.token(token)))) return;
  }
  if (fault) return strike(writer, frames, fault, closed);
  for (const frame of frames.finish()) {
    if (!(await writer.write(frame))) return;
  }
  writer.end();
}

/** Answers a streaming request over SSE, written directly to the Node response. */
export async function respondStream<T>(
  c: Context<MockEnv>,
  dialect: ProviderDialect<T>,
  context: ResponseContext,
): Promise<Response> {
  const writer = new SseWriter(c.env.outgoing, c.var.closed);
  writer.open(dialect.headers(context.entry, { limited: false, resetSeconds: 0 }));
  await streamTokens(writer, dialect.frames(context), context.plan, c.var.closed);
  return RESPONSE_ALREADY_SENT;
}
