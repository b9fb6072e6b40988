import type { ModelInfo } from '@aiq/providers';
import type { GenerateJob, TaskErrorCode } from '@aiq/queue';
import type { RouteDecision } from '@aiq/routing';
import { DelayedError, type Job } from 'bullmq';
import { logAttemptFailure } from '../processors/dead-letter.js';
import type { HandledOutcome } from '../processors/task-end.js';
import type { WorkerDeps } from '../worker-deps.js';
import { chooseFallback, fallBack, fallbackTooSmallError } from './fallback.js';

/**
 * Longest a job waits on an open circuit before it looks again: meanwhile a fallback may have
 * recovered, or an operator may have switched one on.
 */
const OPEN_CIRCUIT_RECHECK_MS = 5_000;
/** How often a job of a disabled provider or model looks again (enabling takes effect within it). */
const DISABLED_RECHECK_MS = 500;

/** The attempt ended without a provider call: the task moved on, or failed, through routing. */
export class SettledByRouting extends Error {
  override readonly name = 'SettledByRouting';
  constructor(readonly settled: HandledOutcome | Error) {
    super('settled by routing');
  }
}

/** A task's final failure (dead letter, `error` event): the generate processor's `finish`. */
export type FinishGeneration = (
  error: unknown,
  decision: { kind: 'final'; status: 'failed'; code: TaskErrorCode },
) => Promise<HandledOutcome | Error>;

type Refusal = Exclude<RouteDecision, { kind: 'allow' }>;

function describe(model: ModelInfo, refusal: Refusal): string {
  if (refusal.kind === 'provider_disabled') return `provider ${model.provider} is disabled`;
  if (refusal.kind === 'model_disabled') return `model ${model.id} is disabled`;
  return `the circuit of ${model.provider}/${model.id} is open`;
}

/** Ends the task as failed: the failure joins the job's record (its dead-letter entry lists it). */
async function settleFailed(
  job: Job,
  finish: FinishGeneration,
  error: Error,
  code: 'fallback_context_exceeded' | 'provider_unavailable',
): Promise<SettledByRouting> {
  await logAttemptFailure(job, {
    attempt: job.attemptsMade + 1,
    at: Date.now(),
    errorCode: code,
    message: error.message,
  });
  return new SettledByRouting(await finish(error, { kind: 'final', status: 'failed', code }));
}

/**
 * Step 2 of a generation attempt (before any budget or provider call): asks the circuits and
 * switches whether `model` may be called. When it may not, the task moves at once (no attempt
 * charged, no retry ladder) to the first available fallback that holds it; with none, the job
 * waits delayed (not holding a worker) until the circuit may be probed or for a short poll,
 * never past the task's deadline, at which it fails `provider_unavailable`.
 * @returns the probe id the call must hand to the circuit with its outcome
 * @throws SettledByRouting when the task moved on or failed; DelayedError when the job waits
 */
export async function routeGeneration(
  deps: WorkerDeps,
  data: GenerateJob,
  model: ModelInfo,
  { job, token, finish }: { job: Job; token: string | undefined; finish: FinishGeneration },
): Promise<string> {
  const decision = await deps.routing.breaker.acquire(model.provider, model.id);
  if (decision.kind === 'allow') return decision.probeId;
  const code = decision.kind === 'circuit_open' ? 'circuit_open' : decision.kind;
  const log = { taskId: data.taskId, provider: model.provider, model: model.id, code };
  if (data.ensemble !== undefined) {
    // An ensemble candidate has no chain and no reason to wait: the other candidates answer.
    const error = new Error(`${describe(model, decision)}: this candidate is skipped`);
    throw await settleFailed(job, finish, error, 'provider_unavailable');
  }
  const choice = await chooseFallback(deps, data, {
    skipTriedProviders: false,
    alsoTried: [model.id],
  });
  if (choice.kind === 'model') {
    await fallBack(deps, data, choice.model, code);
    deps.logger.info({ ...log, toModel: choice.model.id }, 'routed to a fallback model');
    throw new SettledByRouting({ status: 'fell-back', toModel: choice.model.id });
  }
  if (choice.kind === 'too-small') {
    const error = fallbackTooSmallError(data, choice.model);
    throw await settleFailed(job, finish, error, 'fallback_context_exceeded');
  }
  const now = Date.now();
  if (now >= data.deadlineAt) {
    const error = new Error(
      `${describe(model, decision)} and no fallback model is available before the deadline`,
    );
    throw await settleFailed(job, finish, error, 'provider_unavailable');
  }
  const waitMs =
    decision.kind === 'circuit_open'
      ? Math.min(decision.waitMs, OPEN_CIRCUIT_RECHECK_MS)
      : DISABLED_RECHECK_MS;
  deps.logger.debug({ ...log, waitMs }, 'no model available: the job waits');
  await job.moveToDelayed(Math.min(now + waitMs, data.deadlineAt), token);
  throw new DelayedError();
}
