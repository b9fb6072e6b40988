import type { TaskStatus } from '@aiq/db';
import type { TaskErrorCode } from '@aiq/queue';

/** One provider attempt: one `ai_requests` row. */
export interface AttemptRecord {
  /**
   * Chosen by the writer's caller, deterministically (see `attemptRecordId`), so a row written
   * twice — a flush retried after a lost reply, a job re-run after a crash — is stored once.
   */
  readonly id: string;
  readonly taskId: string;
  readonly userId: string;
  readonly provider: string;
  readonly model: string;
  /** The model asked for when `model` is its successor because it reached its end of life. */
  readonly requestedModel: string | null;
  /** `completed`, `failed`, `timeout` or `cancelled`. */
  readonly status: TaskStatus;
  /** The ProviderError kind (`rate_limited`, `token_limit_exceeded`, …); null on success. */
  readonly errorCode: TaskErrorCode | null;
  readonly errorMessage: string | null;
  readonly prompt: string | null;
  readonly response: string | null;
  /** The response was cut off (timeout, disconnect, cancel): `response` holds what arrived. */
  readonly partial: boolean;
  readonly finishReason: string | null;
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  /** US dollars, from the model registry's list prices. */
  readonly costUsd: number | null;
  readonly durationMs: number;
  /** Time to first token; null when none arrived. */
  readonly ttftMs: number | null;
  readonly attempt: number;
  readonly providerRequestId: string | null;
  /**
   * Answered from the response cache, with no provider call (`costUsd` 0, no tokens).
   * @defaultValue false
   */
  readonly cacheHit?: boolean;
  /** Epoch ms when the attempt started and ended. */
  readonly startedAt: number;
  readonly completedAt: number;
}

/** The terminal statuses of a task. The first one written wins (idempotent completion). */
export type TaskOutcome = 'completed' | 'failed' | 'timeout' | 'cancelled';

/**
 * Which run of a task a write belongs to: the task's `retry_count` when its job was made. A
 * write of an older run (an outbox entry that lands after an operator retried the task) is
 * ignored, so it cannot end the new run. Absent means 0.
 */
interface TaskRun {
  readonly retry?: number;
}

/** A change to a `background_tasks` row. */
export type TaskUpdate =
  | (TaskRun & {
      readonly kind: 'started';
      readonly taskId: string;
      /** 1-based attempt number of the run; `attempts` becomes at least this. */
      readonly attempt: number;
      /** The model this attempt calls (generations); kept in `background_tasks.model`. */
      readonly model?: string;
      /** Epoch ms. */
      readonly at: number;
    })
  | (TaskRun & {
      readonly kind: 'finished';
      readonly taskId: string;
      readonly status: TaskOutcome;
      readonly result?: unknown;
      readonly errorCode?: TaskErrorCode;
      readonly errorMessage?: string;
      /** Epoch ms. */
      readonly at: number;
    });
