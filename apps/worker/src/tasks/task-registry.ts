import type { Logger } from '@aiq/logger';
import type { ChatMessage } from '@aiq/providers';
import type { TaskTypeSchemas } from '@aiq/tasks';
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
}

/** One background task type: its input schema and its handler. */
export interface TaskHandler<Input = unknown> {
  /** Contains `ai`, so the runbook's `type LIKE '%ai%'` finds it. */
  readonly type: string;
  readonly input: z.ZodType<Input>;
  /** Returns the task's result (JSON), stored in `background_tasks.result`. */
  run(input: Input, context: TaskContext): Promise<unknown>;
}

/** A handler of any input type, as the registry holds it (each validates its own input). */
export interface AnyTaskHandler {
  readonly type: string;
  readonly input: z.ZodType;
  run(input: never, context: TaskContext): Promise<unknown>;
}

/** Type → handler. */
export interface TaskRegistry {
  get(type: string): TaskHandler | undefined;
  /** Type → input schema, for `submitTask`'s `taskTypes`. */
  schemas(): TaskTypeSchemas;
}

/** Keeps a handler's input type while it joins a list of handlers. */
export function defineTask<Input>(handler: TaskHandler<Input>): TaskHandler<Input> {
  return handler;
}

/**
 * A registry of task types. Applications pass their own handlers beside the built-in ones;
 * a later handler for the same type replaces an earlier one.
 */
export function createTaskRegistry(handlers: readonly AnyTaskHandler[]): TaskRegistry {
  const byType = new Map(handlers.map((handler) => [handler.type, handler as TaskHandler]));
  return {
    get: (type) => byType.get(type),
    schemas: () => Object.fromEntries([...byType].map(([type, handler]) => [type, handler.input])),
  };
}
