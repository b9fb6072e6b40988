import { outputBudget, type ModelSelection } from '@aiq/providers';
import { GenerateJob, generationQueueName, type QueueName } from '@aiq/queue';
import type { CompletedReceipt } from '@aiq/tasks';
import type { Job } from 'bullmq';
import { fallBack, fallbackTooSmallError, nextFallback } from '../generation/fallback.js';
import { failCandidate, runCandidateAttempt } from '../generation/ensemble-candidate.js';
import { routeGeneration } from '../generation/route-generation.js';
import { announceStart, clearPartialOutput } from '../generation/partial-output-marker.js';
import {
  runProviderAttempt,
  type AttemptSuccess,
  type ProviderAttempt,
} from '../generation/run-provider-attempt.js';
import { answerFromCache } from '../response-cache/answer-from-cache.js';
import { storeAnswer } from '../response-cache/store-answer.js';
import { enterResponseCache, type CacheEntry } from '../response-cache/single-flight.js';
import { holdBudgetOrDelay } from '../generation/wait-in-queue-for-budget.js';
import type { WorkerDeps } from '../worker-deps.js';
import { reportFinalFailure } from './attempt-failure.js';
import { sendToDeadLetter } from './dead-letter.js';
import type { FailureDecision } from './decide-after-failure.js';
import { EndedByCancel, jobLock, recordTaskEnd, type HandledOutcome } from './task-end.js';
import { createTaskProcessor, type AttemptContext } from './task-processor.js';

/**
 * A finished generation, as its job returns it: a receipt with what Bull Board shows, never the
 * text (it is in the ledger outbox already, and Redis would keep it twice more).
 */
interface CompletedGeneration extends CompletedReceipt {
  readonly model: string;
  readonly finishReason: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | null;
  /** Answered from the response cache. */
  readonly cached?: true;
}

/** The processor of the three provider queues: one attempt per call (house style R11). */
export function createGenerateProcessor(deps: WorkerDeps) {
  return createTaskProcessor(deps, {
    parse: (data) => GenerateJob.parse(data),
    retry: deps.config.retry.generate,
    holdQueue: (job) => deps.queues[job.queueName as QueueName],
    candidateModel: (data) => (data.ensemble === undefined ? undefined : data.model),
    async attempt(data, context) {
      // Judged at each attempt: a job queued before its model's end of life may run after it.
      const selection = deps.registry.select(data.model); // model_retired: final
      if (data.ensemble !== undefined) {
        // Step 2 for a candidate: a blocked model fails the candidate (the others go on).
        const probeId = await routeGeneration(deps, data, selection.model, {
          job: context.job,
          token: context.token,
          finish: (error, decision) => failCandidate(deps, data, error, decision.code),
        });
        return runCandidateAttempt(deps, data, { ...context, selection, probeId });
      }
      return runAttempt(deps, data, { ...context, selection });
    },
    finish: (data, job, error, decision) =>
      data.ensemble === undefined
        ? finishGeneration(deps, data, job, error, decision)
        : failCandidate(deps, data, error),
  });
}

/** A generation that failed for good: fall back along its chain, or dead-letter and report. */
async function finishGeneration(
  deps: WorkerDeps,
  data: GenerateJob,
  job: Job,
  error: unknown,
  decision: Extract<FailureDecision, { kind: 'final' }>,
): Promise<HandledOutcome | Error> {
  const next = await nextFallback(deps, data, error);
  if (next.kind === 'model') {
    await fallBack(deps, data, next.model, decision.code);
    return { status: 'fell-back', toModel: next.model.id };
  }
  // The chain goes on only to models that can hold the request: fail, naming the one that cannot.
  const tooSmall = next.kind === 'too-small';
  const failure = tooSmall ? fallbackTooSmallError(data, next.model) : error;
  const final = tooSmall
    ? {
        kind: 'final' as const,
        status: 'failed' as const,
        code: 'fallback_context_exceeded' as const,
      }
    : decision;
  const failureQueues = [...data.triedModels, data.model]
    .filter((id) => deps.registry.has(id))
    .map((id) => generationQueueName(deps.registry.resolve(id).provider));
  await sendToDeadLetter(deps, {
    taskId: data.taskId,
    retry: data.retry,
    queue: job.queueName as QueueName,
    payload: data,
    failureQueues: [...new Set(failureQueues)],
  });
  return reportFinalFailure(deps, data, failure, final);
}

/**
 * Announces the attempt, answers it from the response cache or calls the model, and records
 * and announces its success.
 */
async function runAttempt(
  deps: WorkerDeps,
  data: GenerateJob,
  context: AttemptContext & { selection: ModelSelection },
): Promise<CompletedGeneration> {
  const {
    selection: { model, requested },
    attempt,
    run,
    signal,
  } = context;
  const requestedModel = requested.id === model.id ? undefined : requested.id;
  const call: ProviderAttempt = {
    taskId: data.taskId,
    userId: data.userId,
    model,
    requestedModel,
    messages: data.messages,
    maxOutputTokens: outputBudget(model, data.maxTokens),
    temperature: data.temperature,
    signal,
    deadlineAt: Math.min(Date.now() + deps.config.timeouts.generateMs, data.deadlineAt),
    attempt,
    retry: data.retry,
    run,
    step: 'generate',
    streamTokens: true,
  };
  // Step 1 of an attempt (issue 12): a hit answers, a follower waits in the delayed set.
  const cache = await enterResponseCache(deps, {
    ...data,
    model: model.id,
    maxOutputTokens: call.maxOutputTokens,
    job: context.job,
    token: context.token,
  });
  try {
    return await answerAttempt(deps, data, call, cache, context);
  } finally {
    if (cache.kind === 'lead') await cache.lease.release();
  }
}

/** The attempt after the cache step: started, the answer, its record and its `done`. */
async function answerAttempt(
  deps: WorkerDeps,
  data: GenerateJob,
  call: ProviderAttempt,
  cache: CacheEntry,
  { job, token }: Pick<AttemptContext, 'job' | 'token'>,
): Promise<CompletedGeneration> {
  const { model, requestedModel, attempt } = call;
  // Step 2 (issue 12): circuits and switches. A blocked model moves the task to a fallback, or
  // the job waits delayed; a cache hit calls no provider and needs no route.
  const probeId =
    cache.kind === 'hit'
      ? undefined
      : await routeGeneration(deps, data, model, {
          job,
          token,
          finish: (error, decision) => finishGeneration(deps, data, job, error, decision),
        });
  // Step 3 (issue 12): token budget and provider pacing; the job waits delayed in its queue while
  // either says so. A cache hit calls no provider and takes nothing.
  const budget =
    cache.kind === 'hit'
      ? undefined
      : await holdBudgetOrDelay(deps, {
          model,
          messages: data.messages,
          maxOutputTokens: call.maxOutputTokens,
          deadlineAt: call.deadlineAt,
          job,
          token,
          taskId: data.taskId,
          taskDeadlineAt: data.deadlineAt,
          probeId,
        });
  // The ledger's `started` and the client's are independent: both go out in one round trip.
  const [, holder] = await Promise.all([
    deps.ledger.updateTask({
      kind: 'started',
      taskId: data.taskId,
      retry: data.retry,
      attempt,
      model: model.id,
      at: Date.now(),
    }),
    announceStart(deps, data.taskId, {
      type: 'started',
      attempt,
      provider: model.provider,
      model: model.id,
      ...(requestedModel === undefined ? {} : { requestedModel }),
    }),
  ]);
  let success: AttemptSuccess;
  if (cache.kind === 'hit') {
    success = await answerFromCache(deps, { ...call, holder }, cache.response);
  } else {
    success = await runProviderAttempt(deps, { ...call, budget, probeId, holder });
    if (cache.kind === 'lead') await storeAnswer(deps, cache.key, success);
  }
  const outcome = {
    status: 'completed' as const,
    text: success.text,
    model: success.model,
    finishReason: success.finishReason,
    usage: success.usage,
    ...(cache.kind === 'hit' ? { cached: true as const } : {}),
  };
  const recorded = await recordTaskEnd(
    deps,
    {
      kind: 'finished',
      taskId: data.taskId,
      retry: data.retry,
      status: 'completed',
      result: outcome,
      at: Date.now(),
    },
    jobLock(job, token),
  );
  if (!recorded) throw new EndedByCancel(data.taskId);
  // The cost goes out with the event only: the stored result keeps the shape clients parse.
  const { costUsd } = success.record;
  await deps.events.publish(
    data.taskId,
    { type: 'done', ...outcome, ...(costUsd === null ? {} : { costUsd }) },
    { run: data.retry, holder },
  );
  await clearPartialOutput(deps, data.taskId);
  const { text: _text, ...receipt } = outcome;
  return { ...receipt, recorded: true };
}
