import { outputBudget, type ModelSelection } from '@aiq/providers';
import type { GenerateJob } from '@aiq/queue';
import type { EnsembleCandidate } from '@aiq/tasks';
import { errorCodeOf, errorMessageOf } from '../error-code.js';
import type { HandledOutcome } from '../processors/task-end.js';
import type { AttemptContext } from '../processors/task-processor.js';
import type { WorkerDeps } from '../worker-deps.js';
import { announceStart, clearPartialOutput } from './partial-output-marker.js';
import { runProviderAttempt } from './run-provider-attempt.js';
import { holdBudgetOrDelay } from './wait-in-queue-for-budget.js';

/** A candidate's end, as its job returns it to the flow's parent. */
type CandidateOutcome = Extract<HandledOutcome, { status: 'candidate' }>;

// The models whose candidates have ended, per run of the task: a set, so a candidate whose job
// re-runs (a stalled worker) is counted once. Lives as long as a cancel mark.
function endedKey(deps: WorkerDeps, data: GenerateJob): string {
  return `${deps.config.redis.prefix}:ensemble-ended:${data.taskId}:${data.retry}`;
}

/**
 * Announces a candidate's end on the ensemble's stream: a `progress` event of step `candidate`
 * with how many of the candidates have ended, so the client can close that candidate's column.
 */
async function announceCandidateEnd(
  deps: WorkerDeps,
  data: GenerateJob,
  candidate: EnsembleCandidate,
): Promise<CandidateOutcome> {
  const key = endedKey(deps, data);
  const [, , [, ended]] = (await deps.redis
    .multi()
    .sadd(key, candidate.model)
    .expire(key, 86_400)
    .scard(key)
    .exec()) as [unknown, unknown, [unknown, number]];
  const { model, status, usage, latencyMs, error } = candidate;
  await deps.events.publish(
    data.taskId,
    {
      type: 'progress',
      step: 'candidate',
      completed: ended,
      total: data.ensemble?.size ?? ended,
      candidate: { model, status, usage, latencyMs, error },
    },
    { run: data.retry },
  );
  await clearPartialOutput(deps, data.taskId, data.model);
  return { status: 'candidate', candidate };
}

/**
 * One attempt of an ensemble candidate: `started` (its model), the call with its tokens tagged by
 * the candidate's model and its `ai_requests` row under the ensemble's task id, then its end. The
 * task itself ends when the flow's parent has every candidate (`tasks/ensemble-task.ts`).
 * @throws FailedAttempt, for the retry policy (a final failure comes back to {@link failCandidate})
 */
export async function runCandidateAttempt(
  deps: WorkerDeps,
  data: GenerateJob,
  {
    selection: { model, requested },
    attempt,
    run,
    signal,
    job,
    token,
    probeId,
  }: AttemptContext & { selection: ModelSelection; probeId: string },
): Promise<CandidateOutcome> {
  const requestedModel = requested.id === model.id ? undefined : requested.id;
  const maxOutputTokens = outputBudget(model, data.maxTokens);
  const deadlineAt = Math.min(Date.now() + deps.config.timeouts.generateMs, data.deadlineAt);
  // A candidate draws on its provider key's token budget like any generation, waiting delayed.
  const budget = await holdBudgetOrDelay(deps, {
    model,
    messages: data.messages,
    maxOutputTokens,
    deadlineAt,
    job,
    token,
    taskId: data.taskId,
    taskDeadlineAt: data.deadlineAt,
    probeId,
  });
  await deps.ledger.updateTask({
    kind: 'started',
    taskId: data.taskId,
    retry: data.retry,
    attempt,
    at: Date.now(),
  });
  // Its own lane of the task's stream: a candidate job re-run after a worker died or froze
  // mid-stream discards the text its predecessor sent, and fences out that predecessor's tokens.
  const holder = await announceStart(
    deps,
    data.taskId,
    {
      type: 'started',
      attempt,
      provider: model.provider,
      model: model.id,
      ...(requestedModel === undefined ? {} : { requestedModel }),
    },
    data.model,
  );
  const success = await runProviderAttempt(deps, {
    taskId: data.taskId,
    userId: data.userId,
    model,
    requestedModel,
    messages: data.messages,
    maxOutputTokens,
    temperature: data.temperature,
    signal,
    deadlineAt,
    attempt,
    retry: data.retry,
    run,
    step: 'ensemble',
    streamTokens: true,
    candidateModel: data.model,
    holder,
    budget,
    probeId,
  });
  return announceCandidateEnd(deps, data, {
    model: data.model,
    status: 'completed',
    answeredBy: success.model,
    text: success.text,
    finishReason: success.finishReason,
    usage: success.usage,
    latencyMs: success.record.durationMs,
    error: null,
  });
}

/**
 * A candidate that failed for good: its error becomes its entry of the result, and its job
 * completes, so the ensemble goes on with the others (no fallback: another model would be
 * another candidate; no dead letter: the ensemble's own end says what failed).
 */
export async function failCandidate(
  deps: WorkerDeps,
  data: GenerateJob,
  error: unknown,
  /** The code decided for the failure, when it is not the error's own (e.g. routing's). */
  code: string = errorCodeOf(error),
): Promise<CandidateOutcome> {
  return announceCandidateEnd(deps, data, {
    model: data.model,
    status: 'failed',
    text: null,
    finishReason: null,
    usage: null,
    latencyMs: null,
    error: { code, message: errorMessageOf(error) },
  });
}
