import { attemptRecordId } from '../attempt-record-id.js';
import type { AttemptRecord } from '../ledger-records.js';

/** A completed attempt row for ledger tests, with fixed times; `prompt` varies per test. */
export function testAttempt(taskId: string, attemptNumber: number, prompt = 'Hi'): AttemptRecord {
  return {
    id: attemptRecordId(taskId, attemptNumber),
    taskId,
    userId: 'user-1',
    provider: 'openai',
    model: 'gpt-5',
    requestedModel: null,
    status: 'completed',
    errorCode: null,
    errorMessage: null,
    prompt,
    response: 'Hello',
    partial: false,
    finishReason: 'stop',
    promptTokens: 5,
    completionTokens: 1,
    costUsd: 0.000016,
    durationMs: 12,
    ttftMs: 3,
    attempt: attemptNumber,
    providerRequestId: null,
    startedAt: 1_000,
    completedAt: 1_012,
  };
}
