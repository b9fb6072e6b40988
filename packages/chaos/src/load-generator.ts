import { randomUUID } from 'node:crypto';
import { submitStreaming, type TaskStream } from './sse-client.js';

/** One submission the API accepted (2xx): the oracle must find it terminal. */
export interface AcceptedTask {
  readonly taskId: string;
  /** The tag in its prompt, which finds its calls in the mock LLM's log. */
  readonly tag: string;
  readonly idempotencyKey: string;
  readonly acceptedAt: number;
  /** How it was submitted: `generation` (streamed or not) or `background`. */
  readonly kind?: 'generation' | 'background';
}

export interface SubmitOptions {
  /** Model to ask for. @defaultValue 'gpt-5.6-sol' */
  model?: string;
  /** `[[mock …]]` directive steering the mock, e.g. `tokens=20 delay=50`. */
  mock?: string;
  /** Reuse a key (a client's retry); absent, a new one. */
  idempotencyKey?: string;
  /** Give up on the HTTP call after this long. @defaultValue 10 000 ms */
  timeoutMs?: number;
  /** Reuse a prompt tag (a client's retry sends the same body); absent, a new one. */
  tag?: string;
  /** Send to this API instead of the generator's. */
  apiUrl?: string;
  /**
   * `generation` (`POST /api/ai/generate`, `stream: false`) or `background`
   * (`POST /api/ai/background-task`, type `ai_background_generation`). @defaultValue 'generation'
   */
  kind?: 'generation' | 'background';
}

/** The route and body of a submission. */
function request(kind: SubmitOptions['kind'], model: string, prompt: string) {
  return kind === 'background'
    ? {
        path: '/api/ai/background-task',
        body: {
          type: 'ai_background_generation',
          input: { model, messages: [{ role: 'user', content: prompt }] },
        },
      }
    : { path: '/api/ai/generate', body: { model, prompt, stream: false } };
}

/** What the load generator saw: accepted tasks, and refusals by status. */
export interface LoadLog {
  readonly accepted: AcceptedTask[];
  /** HTTP status (or `network`/`timeout`) → count of submissions not accepted. */
  readonly refused: Map<string, number>;
  /** Every submission's answer: when it was sent, its status (or `network`/`timeout`), how long it took. */
  readonly outcomes: Array<{ readonly at: number; readonly status: string; readonly ms: number }>;
}

/**
 * Submits generation tasks (`stream:false`, 202) to the API and logs every accepted task id.
 * Each prompt carries a unique tag, so the oracle can find the task's provider calls.
 */
export class LoadGenerator {
  readonly log: LoadLog = { accepted: [], refused: new Map(), outcomes: [] };
  #counter = 0;

  constructor(
    private readonly headers: Record<string, string>,
    private readonly apiUrl: () => string,
  ) {}

  async submit({
    model = 'gpt-5.6-sol',
    mock = 'tokens=20 delay=20',
    idempotencyKey = randomUUID(),
    timeoutMs = 10_000,
    tag = this.nextTag(idempotencyKey),
    apiUrl = this.apiUrl(),
    kind = 'generation',
  }: SubmitOptions = {}): Promise<AcceptedTask | undefined> {
    const { path, body } = request(kind, model, `Task ${tag} [[mock ${mock}]]`);
    const answer = await this.post(path, body, { tag, idempotencyKey, timeoutMs, apiUrl, kind });
    return answer?.task;
  }

  /** A new prompt tag: unique, and what the oracle finds a task's provider calls by. */
  nextTag(idempotencyKey: string = randomUUID()): string {
    return `chaos-${(this.#counter += 1)}-${idempotencyKey.slice(0, 8)}`;
  }

  /**
   * Posts a submission whose prompt carries `tag` and logs it: accepted when answered 2xx with a
   * task id (the JSON `taskId`, or the `X-Task-Id` header of a streamed answer). The response
   * comes back unread when it streams; `timeoutMs` bounds the wait for its headers only.
   */
  async post(
    path: string,
    body: unknown,
    {
      tag,
      idempotencyKey = randomUUID(),
      timeoutMs = 10_000,
      apiUrl = this.apiUrl(),
      kind = 'generation',
    }: {
      tag: string;
      idempotencyKey?: string;
      timeoutMs?: number;
      apiUrl?: string;
      kind?: AcceptedTask['kind'];
    },
  ): Promise<{ task: AcceptedTask; response: Response } | undefined> {
    const at = Date.now();
    const outcome = (status: string) => this.log.outcomes.push({ at, status, ms: Date.now() - at });
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('', 'TimeoutError')),
      timeoutMs,
    );
    try {
      const response = await fetch(`${apiUrl}${path}`, {
        method: 'POST',
        headers: {
          ...this.headers,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      clearTimeout(timer);
      const streamed = response.headers.get('content-type')?.startsWith('text/event-stream');
      const taskId = streamed
        ? (response.headers.get('x-task-id') ?? undefined)
        : ((await response.json().catch(() => ({}))) as { taskId?: string }).taskId;
      outcome(String(response.status));
      if (response.status >= 200 && response.status < 300 && taskId !== undefined) {
        const task = { taskId, tag, idempotencyKey, acceptedAt: Date.now(), kind };
        this.log.accepted.push(task);
        return { task, response };
      }
      if (streamed) await response.body?.cancel();
      this.#refuse(String(response.status));
    } catch (error) {
      clearTimeout(timer);
      const reason =
        error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network';
      outcome(reason);
      this.#refuse(reason);
    }
    return undefined;
  }

  /**
   * Submits a generation with `stream: true` and follows its answer, the task's SSE stream; logs
   * the task as accepted once the API names it (`X-Task-Id` on a 200).
   */
  async submitStreaming({
    model = 'gpt-5.6-sol',
    mock = 'tokens=20 delay=20',
  }: Pick<SubmitOptions, 'model' | 'mock'> = {}): Promise<TaskStream | undefined> {
    const at = Date.now();
    const idempotencyKey = randomUUID();
    const tag = this.nextTag(idempotencyKey);
    const submission = submitStreaming(
      { model, prompt: `Task ${tag} [[mock ${mock}]]` },
      { ...this.headers, 'idempotency-key': idempotencyKey },
      this.apiUrl,
    );
    const { taskId, status } = await submission.accepted;
    this.log.outcomes.push({ at, status, ms: Date.now() - at });
    if (taskId === undefined) {
      submission.close();
      this.#refuse(status);
      return undefined;
    }
    this.log.accepted.push({
      taskId,
      tag,
      idempotencyKey,
      acceptedAt: Date.now(),
      kind: 'generation',
    });
    return submission;
  }

  /** Submits `count` tasks, `concurrency` at a time. */
  async submitMany(count: number, options: SubmitOptions = {}, concurrency = 10): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next += 1;
          await this.submit(options);
        }
      }),
    );
  }

  /** Submits one task every `intervalMs` (waiting for each answer) until `stop()` is called. */
  steady(options: SubmitOptions = {}, intervalMs = 100): { stop(): Promise<void> } {
    let running = true;
    const loop = (async () => {
      while (running) {
        await this.submit(options);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  #refuse(reason: string): void {
    this.log.refused.set(reason, (this.log.refused.get(reason) ?? 0) + 1);
  }
}
