import type { LoadGenerator } from './load-generator.js';
import type { StreamRecord } from './oracle.js';
import { followTask } from './sse-client.js';

/** One SSE frame as a client reads it off the wire. */
interface SseFrame {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** Parses one frame's lines (comments, such as heartbeats, are skipped). */
function parseFrame(block: string): SseFrame | undefined {
  let event = 'message';
  let data: string | undefined;
  let id: string | undefined;
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === 0 || line === '') continue;
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    if (field === 'id') id = value;
  }
  return data === undefined ? undefined : { event, data, id };
}

/** The frames of a `text/event-stream` body until it ends or breaks (an API going away). */
async function* readFrames(response: Response): AsyncGenerator<SseFrame> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame !== undefined) yield frame;
      }
    }
  } catch {
    // The connection broke: what came is what the caller has.
  }
}

export interface StreamedSubmissionOptions {
  /** The API to submit to. */
  readonly apiUrl: string;
  /** The API a client whose stream broke resumes on (a load balancer's next pick). */
  readonly resumeUrl: () => string;
  readonly headers: Record<string, string>;
  /** `[[mock …]]` directive. */
  readonly mock: string;
  readonly model?: string;
  /** How long a resumed stream may take. */
  readonly timeoutMs: number;
}

/**
 * `POST /api/ai/generate` with `stream: true`: reads the task's events off the submission's
 * own response; if that breaks before a terminal event, resumes with `Last-Event-ID` on
 * `resumeUrl()`, as a client behind a load balancer would. Resolves with what it received
 * (undefined when the submission was not accepted).
 */
export async function streamGeneration(
  load: LoadGenerator,
  { apiUrl, resumeUrl, headers, mock, model = 'gpt-5.6-sol', timeoutMs }: StreamedSubmissionOptions,
): Promise<StreamRecord | undefined> {
  const tag = load.nextTag();
  const body = { model, prompt: `Task ${tag} [[mock ${mock}]]`, stream: true };
  const answer = await load.post('/api/ai/generate', body, { tag, apiUrl });
  if (answer === undefined) return undefined;
  const { taskId } = answer.task;
  const ids: string[] = [];
  let text = '';
  for await (const frame of readFrames(answer.response)) {
    if (frame.id !== undefined) ids.push(frame.id);
    if (frame.event === 'token') text += (JSON.parse(frame.data) as { text: string }).text;
    if (frame.event === 'reset') text = '';
    if (['done', 'error', 'cancelled'].includes(frame.event)) {
      return { taskId, ids, text, last: frame.event, connections: 1 };
    }
  }
  const lastEventId = ids.at(-1);
  const resumeFrom = lastEventId === undefined ? undefined : { lastEventId, ids, text };
  return followTask(taskId, headers, resumeUrl, {
    timeoutMs,
    ...(resumeFrom === undefined ? {} : { resumeFrom }),
  }).done;
}

/** What an OpenAI-compatible streaming client got: its record, and whether its stream broke. */
export interface ChatCompletionStream {
  readonly record: StreamRecord;
  /** Ended with neither `[DONE]` nor an error chunk: the connection broke. */
  readonly broken: boolean;
}

/**
 * `POST /v1/chat/completions` with `stream: true`: reassembles the deltas until `[DONE]` or an
 * error chunk. This wire has no resume: a stream cut by its API going away stays cut (and the
 * API cancels the task, since its client left).
 */
export async function streamChatCompletion(
  load: LoadGenerator,
  {
    apiUrl,
    mock,
    model = 'gpt-5.6-sol',
  }: Pick<StreamedSubmissionOptions, 'apiUrl' | 'mock' | 'model'>,
): Promise<ChatCompletionStream | undefined> {
  const tag = load.nextTag();
  const body = {
    model,
    messages: [{ role: 'user', content: `Task ${tag} [[mock ${mock}]]` }],
    stream: true,
  };
  const answer = await load.post('/v1/chat/completions', body, { tag, apiUrl });
  if (answer === undefined) return undefined;
  let text = '';
  let last: string | undefined;
  for await (const frame of readFrames(answer.response)) {
    if (frame.data === '[DONE]') {
      last = 'done';
      break;
    }
    const chunk = JSON.parse(frame.data) as {
      error?: unknown;
      choices?: Array<{ delta?: { content?: string } }>;
    };
    if (chunk.error !== undefined) {
      last = 'error';
      break;
    }
    text += chunk.choices?.[0]?.delta?.content ?? '';
    last = 'token';
  }
  const record = { taskId: answer.task.taskId, ids: [], text, last, connections: 1 };
  return { record, broken: last !== 'done' && last !== 'error' };
}
