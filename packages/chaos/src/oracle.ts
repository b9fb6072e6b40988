import type { RecordedRequest } from '@aiq/mock-llm';

const TERMINAL = new Set(['completed', 'failed', 'timeout', 'cancelled']);
/** The SSE events a task's stream ends with: its terminal events. */
const STREAM_ENDS = new Set(['done', 'error', 'cancelled']);
/** A retry may start this much before `retry-after` ends (clock reads on one host). */
const RETRY_AFTER_TOLERANCE_MS = 20;

/** A task's ledger row (`background_tasks`). */
export interface TaskRow {
  readonly id: string;
  readonly status: string;
  readonly errorCode: string | null;
}

/** One attempt's ledger row (`ai_requests`). */
export interface AttemptRow {
  readonly taskId: string;
  readonly status: string;
  readonly response: string | null;
  readonly providerRequestId: string | null;
}

/** What an SSE client received for one task, after every reconnect. */
export interface StreamRecord {
  readonly taskId: string;
  /** Event ids in the order received. */
  readonly ids: readonly string[];
  /** Token text, with `reset` honoured (the text so far discarded). */
  readonly text: string;
  /** The last event's type: `done`, `error` or `cancelled` if the stream ended properly. */
  readonly last: string | undefined;
  /** Connections the client opened (1 + reconnects). */
  readonly connections?: number;
}

/** Everything the checker reconciles, gathered after the fault and the drain. */
export interface Evidence {
  /** The load generator's log: task id → the tag in its prompt. */
  readonly accepted: ReadonlyArray<{ readonly taskId: string; readonly tag: string }>;
  readonly tasks: readonly TaskRow[];
  readonly attempts: readonly AttemptRow[];
  /** The mock LLM's request log. */
  readonly calls: readonly RecordedRequest[];
  /** Task ids whose job Redis still holds unfinished (waiting, active, delayed). */
  readonly openInRedis: ReadonlySet<string>;
  readonly streams?: readonly StreamRecord[];
}

/** The oracle's figures for one row. */
export interface Verdict {
  readonly accepted: number;
  readonly completed: number;
  /** Terminal but not completed, by status and reason: `failed:timeout` → count. */
  readonly failed: Readonly<Record<string, number>>;
  /** Accepted tasks with no terminal ledger row (must be 0), and their ids. */
  readonly lost: readonly string[];
  /** Terminal tasks with no reason (`error_code`), or whose job Redis still runs. */
  readonly inconsistent: readonly string[];
  /** Tasks with more than one completed attempt row (must be 0). */
  readonly writtenTwice: readonly string[];
  /** Provider calls beyond one per task that were not answers to a provider fault. */
  readonly duplicateCalls: number;
  /** Healthy calls cut short, or answered but never recorded: work a fault threw away. */
  readonly interruptedAttempts: number;
  /** Calls made before the previous call's `retry-after` had passed (must be 0). */
  readonly retryAfterViolations: readonly string[];
  /** SSE streams whose text differs from the stored result, that repeat an event id or end without a terminal event. */
  readonly badStreams: readonly string[];
}

function tagOf(call: RecordedRequest, tags: ReadonlyMap<string, string>): string | undefined {
  const match = /chaos-\d+-[0-9a-f]{8}/.exec(JSON.stringify(call.body));
  return match ? tags.get(match[0]) : undefined;
}

/** The wait a refused call asked for, in ms, from its `retry-after(-ms)` header. */
function retryAfterMs(call: RecordedRequest): number | undefined {
  if (call.status !== 429 && call.status !== 503 && call.status !== 529) return undefined;
  const fault = call.fault;
  if (fault?.retryAfterMs !== undefined) return fault.retryAfterMs;
  if (fault?.retryAfter !== undefined && fault.retryAfter !== null) return fault.retryAfter * 1000;
  if (fault?.fault === 'rate_limit' && fault.retryAfter === undefined) return 1000; // mock default
  return undefined;
}

/** A call that reached a healthy provider: no injected fault and not refused. */
function isHealthy(call: RecordedRequest): boolean {
  const injected = call.fault?.fault;
  return (injected === undefined || injected === 'none') && (call.status ?? 200) < 400;
}

/** Reconciles the load log against Postgres, Redis, the mock's log and the SSE clients. */
export function reconcile(evidence: Evidence): Verdict {
  const tasks = new Map(evidence.tasks.map((task) => [task.id, task]));
  const tagToTask = new Map(evidence.accepted.map((task) => [task.tag, task.taskId]));
  const completedAttempts = new Map<string, AttemptRow[]>();
  for (const attempt of evidence.attempts) {
    if (attempt.status !== 'completed') continue;
    completedAttempts.set(attempt.taskId, [
      ...(completedAttempts.get(attempt.taskId) ?? []),
      attempt,
    ]);
  }
  const recordedCalls = new Set(
    evidence.attempts.flatMap((attempt) =>
      attempt.status === 'completed' && attempt.providerRequestId !== null
        ? [attempt.providerRequestId]
        : [],
    ),
  );

  let completed = 0;
  const failed: Record<string, number> = {};
  const lost: string[] = [];
  const inconsistent: string[] = [];
  for (const { taskId } of evidence.accepted) {
    const task = tasks.get(taskId);
    if (task === undefined || !TERMINAL.has(task.status)) {
      lost.push(taskId);
      continue;
    }
    if (evidence.openInRedis.has(taskId))
      inconsistent.push(`${taskId}: terminal, but its job is still open in Redis`);
    if (task.status === 'completed') {
      completed += 1;
      if ((completedAttempts.get(taskId) ?? []).length === 0) {
        inconsistent.push(`${taskId}: completed without a completed attempt row`);
      }
    } else {
      if (task.errorCode === null) inconsistent.push(`${taskId}: ${task.status} without a reason`);
      const reason = `${task.status}:${task.errorCode ?? 'none'}`;
      failed[reason] = (failed[reason] ?? 0) + 1;
    }
  }
  const writtenTwice = [...completedAttempts]
    .filter(([, rows]) => rows.length > 1)
    .map(([taskId]) => taskId);

  const callsByTask = new Map<string, RecordedRequest[]>();
  for (const call of evidence.calls) {
    const taskId = tagOf(call, tagToTask);
    if (taskId !== undefined) callsByTask.set(taskId, [...(callsByTask.get(taskId) ?? []), call]);
  }
  let duplicateCalls = 0;
  let interruptedAttempts = 0;
  const retryAfterViolations: string[] = [];
  for (const [taskId, calls] of callsByTask) {
    calls.sort((left, right) => left.timestamp - right.timestamp);
    const healthy = calls.filter(isHealthy);
    duplicateCalls += Math.max(0, healthy.length - 1);
    // A completed attempt row without a request id (DeepSeek sends none) accounts for the
    // task's latest answered call.
    let unnamed = (completedAttempts.get(taskId) ?? []).filter(
      (attempt) => attempt.providerRequestId === null,
    ).length;
    for (const call of [...healthy].reverse()) {
      if (call.completed && recordedCalls.has(call.id)) continue;
      if (call.completed && unnamed > 0) {
        unnamed -= 1;
        continue;
      }
      interruptedAttempts += 1;
    }
    calls.forEach((call, index) => {
      const wait = retryAfterMs(call);
      const next = calls.slice(index + 1).find((later) => later.provider === call.provider);
      if (wait === undefined || next === undefined) return;
      const waited = next.timestamp - call.timestamp;
      if (waited + RETRY_AFTER_TOLERANCE_MS < wait) {
        retryAfterViolations.push(`${taskId}: retried after ${waited} ms, asked ${wait} ms`);
      }
    });
  }

  const badStreams: string[] = [];
  for (const stream of evidence.streams ?? []) {
    const stored = completedAttempts.get(stream.taskId)?.[0]?.response ?? null;
    const task = tasks.get(stream.taskId);
    if (stream.last === undefined || !STREAM_ENDS.has(stream.last)) {
      badStreams.push(`${stream.taskId}: ended after ${stream.last ?? 'nothing'}`);
    } else if (new Set(stream.ids).size !== stream.ids.length) {
      badStreams.push(`${stream.taskId}: an event id came twice`);
    } else if (task?.status === 'completed' && stream.text !== stored) {
      badStreams.push(`${stream.taskId}: streamed text differs from the stored result`);
    }
  }

  return {
    accepted: evidence.accepted.length,
    completed,
    failed,
    lost,
    inconsistent,
    writtenTwice,
    duplicateCalls,
    interruptedAttempts,
    retryAfterViolations,
    badStreams,
  };
}

/** The promise, as a list of broken parts (empty when the row is clean). */
export function brokenPromises(verdict: Verdict): string[] {
  const broken: string[] = [];
  if (verdict.lost.length > 0) broken.push(`${verdict.lost.length} lost`);
  if (verdict.inconsistent.length > 0) broken.push(`${verdict.inconsistent.length} inconsistent`);
  if (verdict.writtenTwice.length > 0) broken.push(`${verdict.writtenTwice.length} written twice`);
  if (verdict.duplicateCalls > verdict.interruptedAttempts) {
    broken.push(
      `${verdict.duplicateCalls} duplicate provider calls > ${verdict.interruptedAttempts} interrupted`,
    );
  }
  if (verdict.retryAfterViolations.length > 0) {
    broken.push(`${verdict.retryAfterViolations.length} retry-after violations`);
  }
  if (verdict.badStreams.length > 0) broken.push(`${verdict.badStreams.length} bad streams`);
  return broken;
}
