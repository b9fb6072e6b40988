import { attemptRecordId, type AttemptRecord } from '@aiq/ledger';
import { markPartialOutput } from '../generation/partial-output-marker.js';
import {
  promptOf,
  runOf,
  type AttemptSuccess,
  type ProviderAttempt,
} from '../generation/run-provider-attempt.js';
import type { WorkerDeps } from '../worker-deps.js';
import type { CachedResponse } from './response-cache-store.js';

/**
 * Answers an attempt from the response cache, in place of `runProviderAttempt`: the text goes
 * out as one `token` event (so SSE and `/v1` streams look like any other), and the attempt's
 * `ai_requests` row says `cache_hit` with no cost and no tokens: no provider was paid. The
 * row's finish reason and model are the original call's.
 */
export async function answerFromCache(
  deps: WorkerDeps,
  attempt: ProviderAttempt,
  cached: CachedResponse,
): Promise<AttemptSuccess> {
  const startedAt = Date.now();
  if (attempt.streamTokens && cached.text.length > 0) {
    // As for a provider's first token: a re-run after a crash here tells the client to reset.
    await markPartialOutput(deps, attempt.taskId);
    await deps.events.publish(
      attempt.taskId,
      { type: 'token', text: cached.text },
      { holder: attempt.holder },
    );
  }
  const completedAt = Date.now();
  const record: AttemptRecord = {
    id: attemptRecordId(...runOf(attempt), attempt.step, attempt.model.id, 'completed'),
    taskId: attempt.taskId,
    userId: attempt.userId,
    provider: attempt.model.provider,
    model: attempt.model.id,
    requestedModel: attempt.requestedModel ?? null,
    status: 'completed',
    errorCode: null,
    errorMessage: null,
    prompt: promptOf(attempt.messages),
    response: cached.text,
    partial: false,
    finishReason: cached.finishReason,
    // No provider tokens were spent: the runbook's SUM(tokens_used) counts provider use only.
    promptTokens: null,
    completionTokens: null,
    costUsd: 0,
    durationMs: completedAt - startedAt,
    ttftMs: completedAt - startedAt,
    attempt: attempt.attempt,
    providerRequestId: null,
    cacheHit: true,
    startedAt,
    completedAt,
  };
  await deps.ledger.recordAttempt(record);
  deps.metrics.countCacheHit(record.provider, record.model);
  return {
    text: cached.text,
    usage: cached.usage,
    finishReason: cached.finishReason,
    finish: cached.finish,
    model: cached.model,
    record,
  };
}
