import {
  aiRequests,
  backgroundTasks,
  makePostgresSafe,
  OPEN_TASK_STATUSES,
  type Db,
} from '@aiq/db';
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { AttemptRecord, TaskUpdate } from './ledger-records.js';

/** What the buffer holds, in the order it was recorded. */
export type LedgerOperation =
  | { readonly kind: 'attempt'; readonly record: AttemptRecord }
  | { readonly kind: 'task'; readonly update: TaskUpdate };

// A task that reached a terminal status is never changed again by a worker: the first
// terminal write wins (a recovered duplicate run, a late cancel, a repair by the reconciler).
// Only a retry reopens it, and then writes of the runs before are ignored.

type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

function toRow(record: AttemptRecord): typeof aiRequests.$inferInsert {
  const tokens =
    record.promptTokens === null && record.completionTokens === null
      ? null
      : (record.promptTokens ?? 0) + (record.completionTokens ?? 0);
  return {
    id: record.id,
    taskId: record.taskId,
    userId: record.userId,
    provider: record.provider,
    model: record.model,
    requestedModel: record.requestedModel,
    status: record.status,
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
    prompt: record.prompt,
    response: record.response,
    partial: record.partial,
    finishReason: record.finishReason,
    tokensUsed: tokens,
    promptTokens: record.promptTokens,
    completionTokens: record.completionTokens,
    costUsd: record.costUsd === null ? null : record.costUsd.toFixed(6),
    durationMs: record.durationMs,
    ttftMs: record.ttftMs,
    attempt: record.attempt,
    providerRequestId: record.providerRequestId,
    cacheHit: record.cacheHit ?? false,
    createdAt: new Date(record.startedAt),
    completedAt: new Date(record.completedAt),
  };
}

async function applyTaskUpdate(tx: Transaction, update: TaskUpdate): Promise<void> {
  const thisRun = and(
    eq(backgroundTasks.id, update.taskId),
    lte(backgroundTasks.retryCount, update.retry ?? 0),
  );
  const open = and(thisRun, inArray(backgroundTasks.status, [...OPEN_TASK_STATUSES]));
  const at = new Date(update.at).toISOString();
  if (update.kind === 'started') {
    // Writers of several processes may land a `started` after the task's terminal write: it
    // still counts the attempt, but never reopens the task.
    await tx
      .update(backgroundTasks)
      .set({
        status: sql`CASE WHEN ${inArray(backgroundTasks.status, [...OPEN_TASK_STATUSES])} THEN 'processing' ELSE ${backgroundTasks.status} END`,
        attempts: sql`GREATEST(${backgroundTasks.attempts}, ${update.attempt})`,
        startedAt: sql`COALESCE(${backgroundTasks.startedAt}, ${at}::timestamptz)`,
        ...(update.model === undefined ? {} : { model: update.model }),
        updatedAt: sql`now()`,
      })
      .where(thisRun);
    return;
  }
  await tx
    .update(backgroundTasks)
    .set({
      status: update.status,
      result: update.result ?? null,
      errorCode: update.errorCode ?? null,
      errorMessage: update.errorMessage ?? null,
      completedAt: sql`${at}::timestamptz`,
      updatedAt: sql`now()`,
    })
    .where(open);
}

/**
 * Writes one batch in one transaction: the attempt rows first, then the task updates in order.
 * Model output, provider error messages and prompts pass {@link makePostgresSafe} first, so text
 * Postgres refuses (U+0000, lone surrogates) is stored as U+FFFD instead of failing the batch.
 */
export async function writeLedgerBatch(
  db: Db,
  operations: readonly LedgerOperation[],
): Promise<void> {
  const batch = makePostgresSafe(operations);
  const rows = batch.flatMap((operation) =>
    operation.kind === 'attempt' ? [toRow(operation.record)] : [],
  );
  await db.transaction(async (tx) => {
    if (rows.length > 0) await tx.insert(aiRequests).values(rows).onConflictDoNothing();
    for (const operation of batch) {
      if (operation.kind === 'task') await applyTaskUpdate(tx, operation.update);
    }
  });
}
