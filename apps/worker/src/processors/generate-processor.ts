import { outputBudget, type ModelSelection } from '@aiq/providers';
import { GenerateJob, generationQueueName, type QueueName } from '@aiq/queue';
import type { CompletedReceipt } from '@aiq/tasks';
import type { Job } from 'bullmq';
import { fallBack, fallbackTooSmallError, nextFallback } from '../generation/fallback.js';
import { routeGeneration } from '../generation/route-generation.js';
import { clearPartialOutput, resetPartialOutput } from '../generation/partial-output-marker.js';
import { runProviderAttempt } from '../generation/run-provider-attempt.js';
import type { WorkerDeps } from '../worker-deps.js';
import { reportFinalFailure } from './attempt-failure.js';
import { sendToDeadLetter } from './dead-letter.js';
import type { FailureDecision } from './decide-after-failure.js';
import { EndedByCancel, recordTaskEnd, type HandledOutcome } from './task-end.js';
import { createTaskProcessor } from './task-processor.js';

/**
 * A finished generation, as its job returns it: a receipt with what Bull Board shows, never the
 * text (it is in the ledger outbox already, and Redis would keep it twice more).
 */
interface CompletedGeneration extends CompletedReceipt {
  readonly model: string;
  readonly finishReason: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | null;
}

/** The processor of the three provider queues: one attempt per call (house style R11). */
export function createGenerateProcessor(deps: WorkerDeps) {
  return createTaskProcessor(deps, {
    parse: (data) => GenerateJob.parse(data),
    retry: deps.config.retry.generate,
    holdQueue: (job) => deps.queues[job.queueName as QueueName],
    async attempt(data, { attempt, run, signal, job, token }) {
      // Judged at each attempt: a job queued before its model's end of life may run after it.
      const selection = deps.registry.select(data.model); // model_retired: final
      const probeId = await routeGeneration(deps, data, selection.model, {
        job,
        token,
        finish: (error, decision) => finishGeneration(deps, data, job, error, decision),
      });
      return runAttempt(deps, data, { selection, attempt, run, signal, probeId });
    },
    finish: (data, job, error, decision) => finishGeneration(deps, data, job, error, decision),
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

/** Announces the attempt, calls the model, and records and announces its success. */
async function runAttempt(
  deps: WorkerDeps,
  data: GenerateJob,
  {
    selection: { model, requested },
    attempt,
    run,
    signal,
    probeId,
  }: {
    selection: ModelSelection;
    attempt: number;
    run: number;
    signal: AbortSignal;
    probeId: string;
  },
): Promise<CompletedGeneration> {
  const requestedModel = requested.id === model.id ? undefined : requested.id;
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
  const success = await runProviderAttempt(deps, {
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
    probeId,
  });
  const outcome = {
    status: 'completed' as const,
    text: success.text,
    model: success.model,
    finishReason: success.finishReason,
    usage: success.usage,
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
