import { createPostgresSafeStream } from '@aiq/db';
import { attemptRecordId, type AttemptRecord } from '@aiq/ledger';
import {
  assertFits,
  ProviderError,
  type ChatMessage,
  type FinishReason,
  type GenerateRequest,
  type ModelInfo,
} from '@aiq/providers';
import { outcomeOfKind } from '@aiq/routing';
import { ABORT_REASON } from '../abort-reason.js';
import { errorCodeOf, errorMessageOf } from '../error-code.js';
import type { WorkerDeps } from '../worker-deps.js';
import { markPartialOutput } from './partial-output-marker.js';
import { recordProviderHeaders, settleProviderBudget, type HeldTokens } from './provider-budget.js';
import { createTokenRelay } from './token-relay.js';

/** One provider call of a task. */
export interface ProviderAttempt {
  readonly taskId: string;
  readonly userId: string;
  readonly model: ModelInfo;
  /** The model asked for, when `model` is its successor because it reached its end of life. */
  readonly requestedModel?: string | undefined;
  readonly messages: readonly ChatMessage[];
  readonly maxOutputTokens: number;
  readonly temperature?: number | undefined;
  /** Aborted on cancel or shutdown. */
  readonly signal: AbortSignal;
  /** Epoch ms: this attempt's deadline. */
  readonly deadlineAt: number;
  /** 1-based attempt number of the job. */
  readonly attempt: number;
  /** The task's run (its `retry_count` when the job was made): part of the row ids. */
  readonly retry: number;
  /**
   * Distinguishes runs of the same attempt (BullMQ's `attemptsStarted`), and the calls of one run
   * when a background task calls again after a retry-after (`3.1`, `3.2`): a failed call's row
   * id is derived from it.
   */
  readonly run: number | string;
  /** The step of a background task (`generate` for plain generations). */
  readonly step: string;
  /** Publish each text delta as a `token` event. */
  readonly streamTokens: boolean;
  /** The run's claim on the task's stream (`announceStart`): its tokens carry it. */
  readonly holder?: number | undefined;
  /** The routing decision's probe id: the circuit slots this call holds (see `@aiq/routing`). */
  readonly probeId?: string | undefined;
  /** Tokens reserved from the provider key's budget (`enterProviderBudget`), settled here. */
  readonly budget?: HeldTokens | undefined;
  /**
   * The ensemble candidate this call answers for: its `token` events carry it as `model`, and
   * its partial-output mark and stream claim are the candidate's own (the candidates share the
   * task).
   */
  readonly candidateModel?: string | undefined;
}

/** A finished call. */
export interface AttemptSuccess {
  readonly text: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | null;
  readonly finishReason: string;
  /** The finish reason in the providers' shared vocabulary (the response cache keeps only `stop`/`length`). */
  readonly finish: FinishReason['unified'];
  readonly model: string;
  readonly record: AttemptRecord;
}

/** A failed call: the provider's error and the text that arrived before it. */
export class FailedAttempt extends Error {
  override readonly name = 'FailedAttempt';
  constructor(
    readonly error: ProviderError,
    readonly partialText: string,
  ) {
    super(error.message, { cause: error });
  }
}

/** A call's cost at the model's prices; `null` when the provider reported no usage. */
export function costUsd(model: ModelInfo, usage: AttemptSuccess['usage']): number | null {
  if (usage === null) return null;
  return (
    (usage.inputTokens * model.inputUsdPerMillionTokens +
      usage.outputTokens * model.outputUsdPerMillionTokens) /
    1_000_000
  );
}

/** The id parts of a task's run: the first run keeps the ids it had before retries existed. */
export function runOf(attempt: ProviderAttempt): (string | number)[] {
  return attempt.retry === 0 ? [attempt.taskId] : [attempt.taskId, `retry-${attempt.retry}`];
}

/** The prompt as `ai_requests.prompt` keeps it. */
export function promptOf(messages: readonly ChatMessage[]): string {
  return messages.map((message) => `${message.role}: ${message.content}`).join('\n');
}

/**
 * Runs one provider call: refuses an oversized prompt before calling, streams the answer
 * (publishing tokens), and records one `ai_requests` row whatever the outcome, with partial
 * output kept and marked when the call was cut off.
 * @throws FailedAttempt
 */
export async function runProviderAttempt(
  deps: WorkerDeps,
  attempt: ProviderAttempt,
): Promise<AttemptSuccess> {
  const startedAt = Date.now();
  const request: GenerateRequest = {
    model: attempt.model.id,
    messages: attempt.messages,
    maxOutputTokens: attempt.maxOutputTokens,
    ...(attempt.temperature === undefined ? {} : { temperature: attempt.temperature }),
  };
  let text = '';
  let ttftMs: number | null = null;
  let usage: AttemptSuccess['usage'] = null;
  let requestId: string | null = null;
  let answeredModel = attempt.model.id;
  let failure: ProviderError | undefined;
  let finishReason = 'error';
  let finish: FinishReason['unified'] = 'error';
  let sent = false;
  let recording: Promise<void> | undefined;
  let marking: Promise<void> | undefined;
  const tokens = attempt.streamTokens
    ? createTokenRelay((delta) =>
        deps.events.publish(
          attempt.taskId,
          {
            type: 'token',
            text: delta,
            ...(attempt.candidateModel === undefined ? {} : { model: attempt.candidateModel }),
          },
          { holder: attempt.holder, lane: attempt.candidateModel },
        ),
      )
    : undefined;
  // The text as the ledger can store it (U+0000 and lone surrogates as U+FFFD), from the first
  // delta on: the client is streamed, and the cache and the result hold, what the ledger keeps.
  const storable = createPostgresSafeStream();
  try {
    // The verdict only: the budget step counted the tokens already where it needed them.
    assertFits(request, attempt.model);
    sent = true;
    const options = {
      signal: attempt.signal,
      deadlineAt: attempt.deadlineAt,
      // The provider's rate-limit headers, stored for every process's pacing as soon as they come.
      onResponseHeaders: (headers: Headers) => {
        recording = recordProviderHeaders(deps, attempt.model.provider, headers);
      },
    };
    for await (const event of deps.providers[attempt.model.provider].stream(request, options)) {
      if (event.type === 'response-start') {
        requestId = event.requestId ?? null;
        answeredModel = event.model;
      } else if (event.type === 'text-delta') {
        const delta = storable.push(event.text);
        if (ttftMs === null) {
          ttftMs = Date.now() - startedAt;
          if (attempt.streamTokens) {
            // Not awaited before the first token: it goes out first on the same connection, so
            // Redis sets the mark before it publishes the token, and the token saves a round
            // trip. Its outcome is awaited with the tokens' below.
            marking = markPartialOutput(deps, attempt.taskId, attempt.candidateModel);
            marking.catch(() => undefined);
          }
        }
        text += delta;
        tokens?.push(delta);
        // Redis refused a token: stop reading (which ends the call); the flush below reports it.
        if (tokens?.failure !== undefined) break;
      } else if (event.type === 'usage') {
        usage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
      } else if (event.type === 'finish') {
        finishReason = event.finishReason.raw ?? event.finishReason.unified;
        finish = event.finishReason.unified;
      } else {
        failure = event.error;
      }
    }
  } catch (error) {
    failure = ProviderError.isInstance(error)
      ? error
      : new ProviderError({ kind: 'server_error', message: errorMessageOf(error) });
  }
  const held = storable.end();
  text += held;
  tokens?.push(held);
  try {
    await marking;
    // Every token is out before anything else about this attempt (its end, a retry) is.
    await tokens?.flush();
  } catch (error) {
    failure ??= new ProviderError({ kind: 'server_error', message: errorMessageOf(error) });
  }

  await recording;
  await settleBudget(deps, attempt, { usage, sent });
  const completedAt = Date.now();
  const status = failure === undefined ? 'completed' : statusOf(failure);
  // An attempt cut short by a worker's shutdown was not cancelled by anyone: its job goes back
  // to the queue, and the row says so.
  const handedBack =
    failure?.kind === 'cancelled' && attempt.signal.reason === ABORT_REASON.shutdown;
  const record: AttemptRecord = {
    // One completed row per step at most; one row per run of a failed attempt.
    id:
      failure === undefined
        ? attemptRecordId(...runOf(attempt), attempt.step, attempt.model.id, 'completed')
        : attemptRecordId(...runOf(attempt), attempt.step, attempt.model.id, attempt.run),
    taskId: attempt.taskId,
    userId: attempt.userId,
    provider: attempt.model.provider,
    model: attempt.model.id,
    requestedModel: attempt.requestedModel ?? null,
    status,
    errorCode: handedBack ? 'worker_shutdown' : failure === undefined ? null : errorCodeOf(failure),
    errorMessage: handedBack
      ? 'Worker shut down mid-call; the job went back to the queue.'
      : (failure?.message ?? null),
    prompt: promptOf(attempt.messages),
    response: text,
    partial: failure !== undefined && text.length > 0,
    finishReason,
    promptTokens: usage?.inputTokens ?? null,
    completionTokens: usage?.outputTokens ?? null,
    costUsd: costUsd(attempt.model, usage),
    durationMs: completedAt - startedAt,
    ttftMs,
    attempt: attempt.attempt,
    providerRequestId: requestId ?? failure?.requestId ?? null,
    startedAt,
    completedAt,
  };
  await deps.ledger.recordAttempt(record);
  deps.metrics.recordProviderCall({
    provider: record.provider,
    model: record.model,
    status,
    errorCode: record.errorCode,
    durationMs: record.durationMs,
    ttftMs,
    inputTokens: record.promptTokens,
    outputTokens: record.completionTokens,
    costUsd: record.costUsd,
  });
  await recordInCircuit(deps, attempt, failure);
  if (failure !== undefined) throw new FailedAttempt(failure, text);
  return { text, usage, finishReason, finish, model: answeredModel, record };
}

/** Settles the attempt's tokens; a Redis error is logged (the reservation lapses on its own). */
async function settleBudget(
  deps: WorkerDeps,
  attempt: ProviderAttempt,
  outcome: Parameters<typeof settleProviderBudget>[2],
): Promise<void> {
  try {
    await settleProviderBudget(deps, attempt.budget, outcome);
  } catch (error) {
    deps.logger.warn({ taskId: attempt.taskId, error }, 'could not settle the token budget');
  }
}

/**
 * The one place a provider call's outcome reaches the circuits (generation and background calls
 * alike). A lost record only delays a transition: it must not fail a call that succeeded.
 */
async function recordInCircuit(
  deps: WorkerDeps,
  attempt: ProviderAttempt,
  failure: ProviderError | undefined,
): Promise<void> {
  const outcome = failure === undefined ? 'success' : outcomeOfKind(failure.kind);
  try {
    await deps.routing.breaker.record(
      attempt.model.provider,
      attempt.model.id,
      outcome,
      attempt.probeId,
    );
  } catch (error) {
    deps.logger.warn(
      { taskId: attempt.taskId, provider: attempt.model.provider, err: errorMessageOf(error) },
      'could not record the call in its circuit',
    );
  }
}

function statusOf(error: ProviderError): AttemptRecord['status'] {
  if (error.kind === 'timeout') return 'timeout';
  if (error.kind === 'cancelled') return 'cancelled';
  return 'failed';
}
