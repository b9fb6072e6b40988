import type { ChatMessage } from '@aiq/queue';
import {
  defaultEnsembleModels,
  ENSEMBLE_MIN_MODELS,
  readDisabledRouting,
  submitTask,
  type SubmittedTask,
} from '@aiq/tasks';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import { assertRedisReady } from './submit-generation.js';

/** An ensemble as the route receives it, already validated by zod. */
export interface EnsembleSubmissionInput {
  readonly userId: string;
  /** Absent: one model per enabled provider. */
  readonly models?: readonly string[] | undefined;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number | undefined;
  readonly temperature?: number | undefined;
  readonly idempotencyKey?: string | undefined;
}

/**
 * The models of an ensemble that names none: one per provider that no operator disabled (the
 * routing switch-over's Redis hash, read now, so a disabled provider is left out at once).
 * @throws ApiError 400 `too_few_models` when fewer than two providers are enabled
 */
async function defaultModels(deps: ApiDeps): Promise<string[]> {
  const disabled = await readDisabledRouting(deps.redis, deps.config.redis.prefix);
  const models = defaultEnsembleModels(deps.models, disabled);
  if (models.length < ENSEMBLE_MIN_MODELS) {
    throw new ApiError(
      400,
      'too_few_models',
      `An ensemble needs at least ${ENSEMBLE_MIN_MODELS} models and only ${models.length} provider(s) are enabled; name the models`,
    );
  }
  return models;
}

/**
 * Submits an ensemble through the one producer, which refuses too few, too many or repeated
 * models and any model a generation would refuse (unknown, retired under `refuse`, prompt over
 * its window), each with its own 400 code, before anything is written.
 */
export async function submitEnsemble(
  deps: ApiDeps,
  input: EnsembleSubmissionInput,
): Promise<SubmittedTask> {
  assertRedisReady(deps);
  const models = input.models ?? (await defaultModels(deps));
  return submitTask(
    { ...deps, registry: deps.models },
    {
      kind: 'ensemble',
      userId: input.userId,
      models,
      messages: input.messages,
      ...(input.maxTokens === undefined ? {} : { maxTokens: input.maxTokens }),
      ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
      ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }),
    },
  );
}
