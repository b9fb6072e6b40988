import type { ChatMessage } from '@aiq/queue';
import { submitTask, type SubmittedTask } from '@aiq/tasks';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';

/** A chat generation as the routes receive it, already validated by zod. */
export interface GenerationInput {
  readonly userId: string;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number | undefined;
  readonly temperature?: number | undefined;
  readonly fallback?: boolean | undefined;
  readonly fallbackModels?: readonly string[] | undefined;
  readonly cache?: boolean | undefined;
  readonly idempotencyKey?: string | undefined;
}

/** An accepted generation, with the model it runs on. */
export interface SubmittedGeneration extends SubmittedTask {
  /** The model asked for, or its successor when that one has reached its end of life. */
  readonly model: string;
}

/** Refuses submissions while Redis is down: the row would be written but not enqueued. */
export function assertRedisReady(deps: Pick<ApiDeps, 'redis'>): void {
  if (deps.redis.status !== 'ready') {
    throw new ApiError(503, 'service_unavailable', 'Redis is unreachable; retry shortly', {
      'Retry-After': '1',
    });
  }
}

/** `prompt`/`system` as messages: the system turn first. */
export function toMessages(body: {
  messages?: ChatMessage[] | undefined;
  prompt?: string | undefined;
  system?: string | undefined;
}): ChatMessage[] {
  const turns = body.messages ?? [{ role: 'user' as const, content: body.prompt ?? '' }];
  return body.system === undefined ? turns : [{ role: 'system', content: body.system }, ...turns];
}

/**
 * Submits a generation through the one producer, which refuses an unknown model (400
 * `model_not_found` naming the known ones), a retired one under `RETIRED_MODELS=refuse` (400
 * `model_retired` naming its successor) and a prompt too long for the model that will run (400
 * `token_limit_exceeded` with the counts) before anything is written.
 */
export async function submitGeneration(
  deps: ApiDeps,
  input: GenerationInput,
): Promise<SubmittedGeneration> {
  assertRedisReady(deps);
  const task = await submitTask(
    { ...deps, registry: deps.models },
    {
      kind: 'generation',
      userId: input.userId,
      model: input.model,
      messages: input.messages,
      ...(input.maxTokens === undefined ? {} : { maxTokens: input.maxTokens }),
      ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
      ...(input.fallback === undefined ? {} : { fallback: input.fallback }),
      ...(input.fallbackModels === undefined ? {} : { fallbackModels: input.fallbackModels }),
      ...(input.cache === undefined ? {} : { cache: input.cache }),
      ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }),
    },
  );
  return { ...task, model: task.model ?? input.model };
}
