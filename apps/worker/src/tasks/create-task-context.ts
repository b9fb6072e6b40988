import { loadTaskSteps, saveTaskStep } from '@aiq/db';
import { outputBudget } from '@aiq/providers';
import type { BackgroundTaskJob } from '@aiq/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../worker-deps.js';
import { costUsd } from '../generation/run-provider-attempt.js';
import { runLimitedProviderCall } from './run-limited-provider-call.js';
import type { TaskContext, TaskGeneration } from './task-registry.js';

/** Usage summed over every model call of one attempt, for the `done` event. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  calls: number;
  /** USD at the models' prices; null once a call's price was unknown. */
  costUsd: number | null;
  lastModel: string | undefined;
}

/**
 * Builds the context of one attempt of a background task. Finished steps are read once, up
 * front; new ones are written straight to Postgres (not through the ledger outbox) because the
 * next attempt must be able to read them.
 */
export async function createTaskContext(
  deps: WorkerDeps,
  data: BackgroundTaskJob,
  {
    attempt,
    run,
    signal,
    job,
    holder,
  }: { attempt: number; run: number; signal: AbortSignal; job: Job; holder: number },
): Promise<{ context: TaskContext; usage: UsageTotals }> {
  const finished = new Map(await loadTaskSteps(deps.database, data.taskId));
  const deadlineAt = Math.min(Date.now() + deps.config.timeouts.backgroundMs, data.deadlineAt);
  const usage: UsageTotals = {
    inputTokens: 0,
    outputTokens: 0,
    calls: 0,
    costUsd: 0,
    lastModel: undefined,
  };
  const logger = deps.logger.child({ taskId: data.taskId, type: data.type, attempt });
  const countCall = (
    callUsage: { inputTokens: number; outputTokens: number } | null,
    cost: number | null,
  ) => {
    usage.inputTokens += callUsage?.inputTokens ?? 0;
    usage.outputTokens += callUsage?.outputTokens ?? 0;
    usage.calls += 1;
    usage.costUsd = usage.costUsd === null || cost === null ? null : usage.costUsd + cost;
  };

  let lastStepReplayed = false;
  const context: TaskContext = {
    taskId: data.taskId,
    userId: data.userId,
    attempt,
    signal,
    deadlineAt,
    logger,
    async step<T>(name: string, execute: () => Promise<T>): Promise<T> {
      lastStepReplayed = finished.has(name);
      if (finished.has(name)) return finished.get(name) as T;
      const output = await execute();
      const recorded = (await saveTaskStep(deps.database, data.taskId, name, output)) as T;
      finished.set(name, recorded);
      return recorded;
    },
    async generate(request, { step, streamTokens = false }): Promise<TaskGeneration> {
      // A retired model runs on its successor (or fails with model_retired), as generations do.
      const { model, requested } = deps.registry.select(request.model);
      // Within the provider's requests-per-minute and retry-after holds, shared with generation jobs.
      const success = await runLimitedProviderCall(deps, {
        taskId: data.taskId,
        userId: data.userId,
        model,
        requestedModel: requested.id === model.id ? undefined : requested.id,
        messages: request.messages,
        maxOutputTokens: outputBudget(model, request.maxTokens),
        temperature: request.temperature,
        signal,
        deadlineAt,
        attempt,
        retry: data.retry,
        run,
        step,
        streamTokens,
        holder,
      });
      countCall(success.usage, success.record.costUsd);
      usage.lastModel = success.model;
      return success;
    },
    countChildCall(model, callUsage) {
      // Priced whatever its lifecycle now; a model no longer known leaves the cost unknown.
      const info = deps.registry.has(model) ? deps.registry.resolve(model) : undefined;
      countCall(callUsage, info === undefined ? null : costUsd(info, callUsage));
    },
    async progress(step, completed, total) {
      if (lastStepReplayed) return; // the earlier attempt published it; clients have it
      await deps.events.publish(
        data.taskId,
        { type: 'progress', step, completed, total },
        { holder },
      );
    },
    async children() {
      // Keyed by job key (`<prefix>:<queue>:<id>`): the id is what callers know.
      const byId = <T>(entries: Record<string, T>) =>
        Object.fromEntries(
          Object.entries(entries).map(([key, value]) => [
            key.slice(key.lastIndexOf(':') + 1),
            value,
          ]),
        );
      const [values, failures] = await Promise.all([
        job.getChildrenValues<unknown>(),
        job.getIgnoredChildrenFailures(),
      ]);
      return { values: byId(values), failures: byId(failures) };
    },
  };
  return { context, usage };
}
