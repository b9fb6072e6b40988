import { cancelKey, GenerateJob, generationQueueName, type QueueName } from '@aiq/queue';
import type { AttemptRecord } from '@aiq/ledger';
import type { ModelSelection } from '@aiq/providers';
import type { Processor } from 'bullmq';
import { errorCodeOf } from '../error-code.js';
import { fallBack, nextFallbackModel } from '../generation/fallback.js';
import { FailedAttempt, runProviderAttempt } from '../generation/run-provider-attempt.js';
import type { WorkerDeps } from '../worker-deps.js';
import { resetPartialOutput } from '../generation/partial-output-marker.js';
import {
  finishCancelled,
  handleAttemptFailure,
  reportFinalFailure,
  type FailureContext,
  type HandledOutcome,
} from './attempt-failure.js';
import { sendToDeadLetter } from './dead-letter.js';

/** Output budget when the submission set none. */
const DEFAULT_MAX_OUTPUT_TOKENS = 1_024;

/** What a generation job returns; `completed` carries the ledger row for the reconciler's repairs. */
export type GenerateOutcome =
  | HandledOutcome
  | {
      readonly status: 'completed';
      readonly text: string;
      readonly model: string;
      readonly finishReason: string;
      readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | null;
      /** The attempt's ledger row, so the reconciler can write it if this process died first. */
      readonly record: AttemptRecord;
    };

/** Returns a handled outcome, throws the error BullMQ should see. */
function settle(handled: HandledOutcome | Error): HandledOutcome {
  if (handled instanceof Error) throw handled;
  return handled;
}

/** The processor of the three provider queues: one attempt per call (house style R11). */
export function createGenerateProcessor(deps: WorkerDeps): Processor<unknown, GenerateOutcome> {
  // Three parameters on purpose: BullMQ only passes `signal` when processor.length >= 3.
  return async function generate(job, token, signal) {
    const data = GenerateJob.parse(job.data);
    const abortSignal = signal ?? new AbortController().signal;
    if ((await deps.redis.exists(cancelKey(deps.config.redis.prefix, data.taskId))) === 1) {
      return finishCancelled(deps, data.taskId);
    }
    const attempt = job.attemptsMade + 1;
    let current = deps.registry.resolve(data.model);
    const failure: FailureContext = {
      deps,
      job,
      token,
      rateLimitQueue: deps.queues[job.queueName as QueueName],
      retry: deps.config.retry.generate,
      taskId: data.taskId,
      attempt,
      maxAttempts: job.opts.attempts ?? 1,
      deadlineAt: data.deadlineAt,
      signal: abortSignal,
      async onFinal(finalError, status) {
        const next = nextFallbackModel(deps, data, current, finalError);
        if (next !== undefined) {
          await fallBack(deps, data, next, errorCodeOf(finalError));
          return { status: 'fell-back', toModel: next.id };
        }
        const failureQueues = [...data.triedModels, data.model]
          .filter((id) => deps.registry.has(id))
          .map((id) => generationQueueName(deps.registry.resolve(id).provider));
        await sendToDeadLetter(deps, {
          taskId: data.taskId,
          queue: job.queueName as QueueName,
          payload: data,
          failureQueues: [...new Set(failureQueues)],
        });
        return reportFinalFailure(deps, data.taskId, finalError, status);
      },
    };
    let selection: ModelSelection;
    try {
      // Judged at each attempt: a job queued before its model's end of life may run after it.
      selection = deps.registry.select(data.model);
    } catch (error) {
      return settle(await handleAttemptFailure(failure, error, '')); // model_retired: final
    }
    current = selection.model;
    try {
      return await runAttempt(deps, data, {
        selection,
        attempt,
        run: job.attemptsStarted,
        signal: abortSignal,
      });
    } catch (error) {
      const cause = error instanceof FailedAttempt ? error.error : error;
      const partial = error instanceof FailedAttempt ? error.partialText : '';
      return settle(await handleAttemptFailure(failure, cause, partial));
    }
  };
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
  }: { selection: ModelSelection; attempt: number; run: number; signal: AbortSignal },
): Promise<GenerateOutcome> {
  const requestedModel = requested.id === model.id ? undefined : requested.id;
  await deps.ledger.updateTask({
    kind: 'started',
    taskId: data.taskId,
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
    maxOutputTokens: data.maxTokens ?? Math.min(DEFAULT_MAX_OUTPUT_TOKENS, model.maxOutputTokens),
    temperature: data.temperature,
    signal,
    deadlineAt: Math.min(Date.now() + deps.config.timeouts.generateMs, data.deadlineAt),
    attempt,
    run,
    step: 'generate',
    streamTokens: true,
  });
  const outcome = {
    status: 'completed' as const,
    text: success.text,
    model: success.model,
    finishReason: success.finishReason,
    usage: success.usage,
  };
  await deps.ledger.updateTask({
    kind: 'finished',
    taskId: data.taskId,
    status: 'completed',
    result: outcome,
    at: Date.now(),
  });
  await deps.events.publish(data.taskId, { type: 'done', ...outcome });
  return { ...outcome, record: success.record };
}
