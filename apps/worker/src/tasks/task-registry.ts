import type { Logger } from '@aiq/logger';
import type { ChatMessage } from '@aiq/providers';
import type { TaskCatalog, TaskDefinition } from '@aiq/tasks';
import type { z } from 'zod';

/** What a model call inside a task returns. */
export interface TaskGeneration {
  readonly text: string;
  readonly model: string;
  readonly finishReason: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | null;
}

/** What a handler may do while it runs one attempt of a task. */
export interface TaskContext {
  readonly taskId: string;
  readonly userId: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  /** Aborted on cancel or shutdown; pass it on to anything slow. */
  readonly signal: AbortSignal;
  /** Epoch ms: this attempt's deadline (the background timeout, at most the task's). */
  readonly deadlineAt: number;
  readonly logger: Logger;
  /**
   * Runs `run` once per task: a step recorded by an earlier attempt returns its recorded output
   * without running again (step memoization). Outputs must be JSON.
   */
  step<T>(name: string, run: () => Promise<T>): Promise<T>;
  /**
   * One model call, recorded in `ai_requests` under `step` (one row per request to the
   * provider). It counts against the provider's requests per minute, shared with generation
   * jobs: it waits (abortably, never past `deadlineAt`) while the provider has no slot, and
   * waits out a provider's retry-after, holding every worker's calls to that provider meanwhile.
   * @throws FailedAttempt (the retry policy handles it)
   */
  generate(
    request: {
      readonly model: string;
      readonly messages: readonly ChatMessage[];
      readonly maxTokens?: number | undefined;
      readonly temperature?: number | undefined;
    },
    options: { readonly step: string; readonly streamTokens?: boolean },
  ): Promise<TaskGeneration>;
  /**
   * Publishes a `progress` event, unless the last `step` was replayed from an earlier attempt:
   * that attempt published its progress already, and clients have it.
   */
  progress(step: string, completed: number, total: number): Promise<void>;
  /**
   * For a flow's parent (an `ai_ensemble` task): what its children returned, by child job id,
   * and the failures of children that failed anyway (`ignoreDependencyOnFailure`), by job id.
   */
  children(): Promise<{
    readonly values: Readonly<Record<string, unknown>>;
    readonly failures: Readonly<Record<string, string>>;
  }>;
  /**
   * Counts a call another job made for this task (an ensemble's candidate) in the tokens and
   * cost its `done` event reports, at `model`'s prices. Its `ai_requests` row is that job's.
   */
  countChildCall(
    model: string,
    usage: { readonly inputTokens: number; readonly outputTokens: number } | null,
  ): void;
}

/** One background task type of the catalog, and the handler that runs it. */
export interface TaskHandler<Input = unknown, Result = unknown> {
  /** The catalog entry the producers validate with: type, input and result schemas. */
  readonly definition: TaskDefinition<z.ZodType<Input>, z.ZodType<Result>>;
  /** Returns the task's result (JSON, checked against the result schema), stored in `background_tasks.result`. */
  run(input: Input, context: TaskContext): Promise<Result>;
}

/** A handler of any input type, as the registry holds it (each validates its own input). */
export interface AnyTaskHandler {
  readonly definition: TaskDefinition;
  run(input: never, context: TaskContext): Promise<unknown>;
}

/** Type → handler. */
export interface TaskRegistry {
  get(type: string): TaskHandler | undefined;
  /** The catalog of the registered types, for a producer in this process (`submitTask`). */
  catalog(): TaskCatalog;
}

/** Joins a catalog entry and its handler, keeping the schemas' types. */
export function defineTask<Input, Result>(
  definition: TaskDefinition<z.ZodType<Input>, z.ZodType<Result>>,
  run: (input: Input, context: TaskContext) => Promise<Result>,
): TaskHandler<Input, Result> {
  return { definition, run };
}

/**
 * A registry of task types. Applications pass their own handlers beside the built-in ones;
 * a later handler for the same type replaces an earlier one.
 */
export function createTaskRegistry(handlers: readonly AnyTaskHandler[]): TaskRegistry {
  const byType = new Map(
    handlers.map((handler) => [handler.definition.type, handler as TaskHandler]),
  );
  return {
    get: (type) => byType.get(type),
    catalog: () =>
      Object.fromEntries([...byType].map(([type, handler]) => [type, handler.definition])),
  };
}
