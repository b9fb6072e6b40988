import type { RecordedRequest } from '@aiq/mock-llm';
import { describe, expect, it } from 'vitest';
import { brokenPromises, reconcile, type Evidence } from './oracle.js';

const T0 = 1_000_000;

function call(id: string, tag: string, overrides: Partial<RecordedRequest> = {}): RecordedRequest {
  return {
    id,
    provider: 'openai',
    method: 'POST',
    path: '/openai/v1/chat/completions',
    model: 'gpt-5.6-sol',
    stream: true,
    timestamp: T0,
    headers: {},
    body: { messages: [{ role: 'user', content: `Task ${tag} [[mock tokens=3]]` }] },
    fault: null,
    chargedTokens: null,
    rateLimit: null,
    status: 200,
    closedAt: T0 + 100,
    completed: true,
    ...overrides,
  };
}

const TAG = 'chaos-1-0123abcd';

function evidence(overrides: Partial<Evidence> = {}): Evidence {
  return {
    accepted: [{ taskId: 't1', tag: TAG }],
    tasks: [{ id: 't1', status: 'completed', errorCode: null }],
    attempts: [{ taskId: 't1', status: 'completed', response: 'Hi', providerRequestId: 'r1' }],
    calls: [call('r1', TAG)],
    openInRedis: new Set(),
    streams: [{ taskId: 't1', ids: ['1', '2', '3'], text: 'Hi', last: 'done' }],
    ...overrides,
  };
}

describe('reconcile', () => {
  it('should find a clean run clean', () => {
    const verdict = reconcile(evidence());
    expect(verdict).toMatchObject({ accepted: 1, completed: 1, lost: [], duplicateCalls: 0 });
    expect(brokenPromises(verdict)).toEqual([]);
  });

  it('should call an accepted task lost when the ledger has no terminal row for it', () => {
    expect(reconcile(evidence({ tasks: [] })).lost).toEqual(['t1']);
    const open = reconcile(
      evidence({ tasks: [{ id: 't1', status: 'processing', errorCode: null }] }),
    );
    expect(brokenPromises(open)).toEqual(['1 lost']);
  });

  it('should count a result written twice', () => {
    const twice = evidence({
      attempts: [
        { taskId: 't1', status: 'completed', response: 'Hi', providerRequestId: 'r1' },
        { taskId: 't1', status: 'completed', response: 'Ho', providerRequestId: 'r2' },
      ],
      calls: [call('r1', TAG), call('r2', TAG, { timestamp: T0 + 200 })],
    });
    expect(brokenPromises(reconcile(twice))).toEqual([
      '1 written twice',
      '1 duplicate provider calls > 0 interrupted',
    ]);
  });

  it('should allow a second call only for an interrupted one', () => {
    const rerun = evidence({
      calls: [call('r0', TAG, { completed: false }), call('r1', TAG, { timestamp: T0 + 50 })],
    });
    expect(reconcile(rerun)).toMatchObject({ duplicateCalls: 1, interruptedAttempts: 1 });
    expect(brokenPromises(reconcile(rerun))).toEqual([]);
  });

  it('should not count calls that answered a provider fault as duplicates', () => {
    const retried = evidence({
      calls: [
        call('r0', TAG, { status: 500, fault: { fault: 'server_error' } }),
        call('r1', TAG, { timestamp: T0 + 50 }),
      ],
    });
    expect(reconcile(retried).duplicateCalls).toBe(0);
  });

  it('should find a retry sent before retry-after ran out', () => {
    const early = evidence({
      calls: [
        call('r0', TAG, { status: 429, fault: { fault: 'rate_limit', retryAfter: 2 } }),
        call('r1', TAG, { timestamp: T0 + 1_500 }),
      ],
    });
    expect(reconcile(early).retryAfterViolations).toEqual([
      't1: retried after 1500 ms, asked 2000 ms',
    ]);
    const patient = evidence({
      calls: [
        call('r0', TAG, { status: 429, fault: { fault: 'rate_limit', retryAfter: 2 } }),
        call('r1', TAG, { timestamp: T0 + 2_000 }),
      ],
    });
    expect(reconcile(patient).retryAfterViolations).toEqual([]);
  });

  it('should flag a failure without a reason and a job Redis still runs', () => {
    const verdict = reconcile(
      evidence({
        tasks: [{ id: 't1', status: 'failed', errorCode: null }],
        attempts: [],
        openInRedis: new Set(['t1']),
        streams: [],
      }),
    );
    expect(verdict.inconsistent).toHaveLength(2);
    expect(verdict.failed).toEqual({ 'failed:none': 1 });
  });

  it('should flag SSE text that differs from the stored result, repeated ids and a missing end', () => {
    const streams = (text: string, ids: string[], last: string | undefined) =>
      reconcile(evidence({ streams: [{ taskId: 't1', ids, text, last }] })).badStreams;
    expect(streams('Hi!', ['1'], 'done')).toHaveLength(1);
    expect(streams('Hi', ['1', '1'], 'done')).toHaveLength(1);
    expect(streams('Hi', ['1'], 'token')).toHaveLength(1);
    // A task cancelled while streaming ends its stream with `cancelled`, properly.
    expect(streams('Hi', ['1'], 'cancelled')).toHaveLength(0);
  });
});
