import type { ApiRoutes } from '@aiq/api';
import type { TaskEvent } from '@aiq/events';
import { hc, type InferRequestType, type InferResponseType } from 'hono/client';
import { AiqError } from './aiq-error.js';
import { streamTaskEvents, type StreamTaskEventsOptions } from './stream-task-events.js';

export interface AiqClientOptions {
  /** Where the API listens, e.g. `https://aiq.example.com` (no trailing `/api`). */
  readonly baseUrl: string;
  /** An `aiq_…` API key, sent as `Authorization: Bearer`. */
  readonly apiKey: string;
  /** A fetch of your own (tests, proxies); the global one by default. */
  readonly fetch?: typeof fetch;
}

type Routes = ReturnType<typeof hc<ApiRoutes>>;
type GenerateEndpoint = Routes['api']['ai']['generate']['$post'];
type BackgroundEndpoint = Routes['api']['ai']['background-task']['$post'];
type EnsembleEndpoint = Routes['api']['ai']['ensemble']['$post'];
type TaskEndpoint = Routes['api']['tasks'][':id']['$get'];
type ListEndpoint = Routes['api']['tasks']['$get'];

/** `POST /api/ai/generate` without `stream` (the client submits, then streams by id). */
export type GenerateInput = Omit<InferRequestType<GenerateEndpoint>['json'], 'stream'>;
export type BackgroundTaskInput = InferRequestType<BackgroundEndpoint>['json'];
/** `POST /api/ai/ensemble` without `stream` (the client submits, then streams by id). */
export type EnsembleInput = Omit<InferRequestType<EnsembleEndpoint>['json'], 'stream'>;
// The background route answers only JSON, so its 202 type is the plain `TaskAccepted`.
export type TaskAccepted = InferResponseType<BackgroundEndpoint, 202>;
export type Task = InferResponseType<TaskEndpoint, 200>;
export type TaskList = InferResponseType<ListEndpoint, 200>;
export type TaskListQuery = InferRequestType<ListEndpoint>['query'];
export type RetryResult = InferResponseType<Routes['api']['tasks'][':id']['retry']['$post'], 202>;

const TERMINAL_STATUSES = new Set(['completed', 'failed', 'timeout', 'cancelled']);

/** The body of a 2xx answer, typed by the route; anything else as an {@link AiqError}. */
async function ok<T>(response: Response): Promise<T> {
  if (!response.ok) throw await AiqError.fromResponse(response);
  return (await response.json()) as T;
}

/**
 * A typed aiq client for browsers and Node (fetch, streams and TextDecoder only). Request and
 * response types come from the API's own routes through Hono's `hc`.
 */
export function createAiqClient({ baseUrl, apiKey, fetch: fetchImpl }: AiqClientOptions) {
  const headers = { authorization: `Bearer ${apiKey}` };
  const api = hc<ApiRoutes>(baseUrl, { headers, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const doFetch = fetchImpl ?? fetch;
  return {
    /** Submits a generation; stream its events with {@link streamEvents}. */
    async generate(input: GenerateInput, { idempotencyKey }: { idempotencyKey?: string } = {}) {
      const response = await api.api.ai.generate.$post({
        json: { ...input, stream: false },
        header: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
      });
      return ok<TaskAccepted>(response);
    },
    /**
     * Submits an ensemble: one prompt to several models (`models`, or one per enabled provider).
     * Stream it with {@link streamEvents}: each candidate's tokens carry `model`.
     */
    async ensemble(input: EnsembleInput, { idempotencyKey }: { idempotencyKey?: string } = {}) {
      const response = await api.api.ai.ensemble.$post({
        json: { ...input, stream: false },
        header: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
      });
      return ok<TaskAccepted>(response);
    },
    /** Submits a background task of a registered type. */
    async submitBackgroundTask(input: BackgroundTaskInput) {
      const response = await api.api.ai['background-task'].$post({ json: input, header: {} });
      return ok<TaskAccepted>(response);
    },
    async getTask(taskId: string): Promise<Task> {
      const response = await api.api.tasks[':id'].$get({ param: { id: taskId } });
      return ok<Task>(response);
    },
    async listTasks(query: TaskListQuery = {}): Promise<TaskList> {
      const response = await api.api.tasks.$get({ query });
      return ok<TaskList>(response);
    },
    /** Polls until the task has finished (completed, failed, timeout or cancelled). */
    async waitForTask(
      taskId: string,
      { intervalMs = 500, signal }: { intervalMs?: number; signal?: AbortSignal } = {},
    ) {
      for (;;) {
        const task = await this.getTask(taskId);
        if (TERMINAL_STATUSES.has(task.status) || signal?.aborted) return task;
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
    /**
     * Retries a failed or timed-out task on its own id (the same stream continues with
     * `retried`). `retried: false` when it was already pending or running.
     */
    async retry(taskId: string) {
      const response = await api.api.tasks[':id'].retry.$post({ param: { id: taskId } });
      return ok<RetryResult>(response);
    },
    async cancel(taskId: string): Promise<void> {
      const response = await api.api.tasks[':id'].$delete({ param: { id: taskId } });
      if (!response.ok) throw await AiqError.fromResponse(response);
    },
    /** The task's events, exactly once, resuming after dropped connections (Last-Event-ID). */
    streamEvents(taskId: string, options: StreamTaskEventsOptions = {}): AsyncGenerator<TaskEvent> {
      const url = api.api.tasks[':id'].events.$url({ param: { id: taskId }, query: {} }).toString();
      return streamTaskEvents(
        (lastEventId, signal, { followRetries }) =>
          doFetch(followRetries ? `${url}?follow=retries` : url, {
            headers: {
              ...headers,
              accept: 'text/event-stream',
              ...(lastEventId > 0 ? { 'last-event-id': String(lastEventId) } : {}),
            },
            signal,
          }),
        options,
      );
    },
  };
}

/** The client {@link createAiqClient} returns. */
export type AiqClient = ReturnType<typeof createAiqClient>;
