import { outputBudget, type ModelSelection } from '@aiq/providers';
import { GenerateJob, generationQueueName, type QueueName } from '@aiq/queue';
import type { CompletedReceipt } from '@aiq/tasks';
import { fallBack, nextFallbackModel } from '../generation/fallback.js';
import { failCandidate, runCandidateAttempt } from '../generation/ensemble-candidate.js';
import { clearPartialOutput, resetPartialOutput } from '../generation/partial-output-marker.js';
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
import { EndedByCancel, recordTaskEnd } from './task-end.js';
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
        return runCandidateAttempt(deps, data, { ...context, selection });
      }
      return runAttempt(deps, data, { ...context, selection });
    },
    async finish(data, job, error, decision) {
      if (data.ensemble !== undefined) return failCandidate(deps, data, error);
      const next = nextFallbackModel(deps, data, error);
      if (next !== undefined) {
        await fallBack(deps, data, next, decision.code);
        return { status: 'fell-back', toModel: next.id };
      }
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
      return reportFinalFailure(deps, data, error, decision);
    },
  });
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
        });
  await deps.ledger.updateTask({
    kind: 'started',
    taskId: data.taskId,
    retry: data.retry,
    attempt,
    model: model.id,
    at: Date.now(),
  });
  await resetPartialOutput(deps, data.taskId, attempt); // after a run that died mid-stream
  await deps.events.publish(data.taskId, {
    type: 'started',
    attempt,
    provider: model.provider,
    model: model.id,
    ...(requestedModel === undefined ? {} : { requestedModel }),
  });
  let success: AttemptSuccess;
  if (cache.kind === 'hit') {
    success = await answerFromCache(deps, call, cache.response);
  } else {
    success = await runProviderAttempt(deps, { ...call, budget });
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
  const recorded = await recordTaskEnd(deps, {
    kind: 'finished',
    taskId: data.taskId,
    retry: data.retry,
    status: 'completed',
    result: outcome,
    at: Date.now(),
  });
  if (!recorded) throw new EndedByCancel(data.taskId);
  await deps.events.publish(data.taskId, { type: 'done', ...outcome }, { run: data.retry });
  await clearPartialOutput(deps, data.taskId);
  const { text: _text, ...receipt } = outcome;
  return { ...receipt, recorded: true };
}
