import { describe, expect, it } from 'vitest';
import { createAiqMetrics, OTHER_MODEL } from './aiq-metrics.js';

const known = new Set(['gpt-known']);

describe('createAiqMetrics', () => {
  it('labels a model outside the registry as other, so labels stay bounded', async () => {
    const metrics = createAiqMetrics({ knownModels: (id) => known.has(id), defaultMetrics: false });
    const call = { provider: 'openai', status: 'completed', errorCode: null, durationMs: 1500 };
    const usage = { ttftMs: 200, inputTokens: 10, outputTokens: 5, costUsd: 0.25 };
    metrics.recordProviderCall({ ...call, ...usage, model: 'gpt-known' });
    metrics.recordProviderCall({ ...call, ...usage, model: 'user-1234-made-up' });
    const { body } = await metrics.scrape();
    expect(body).toContain(
      'aiq_provider_requests_total{provider="openai",model="gpt-known",status="completed",error_code="none"} 1',
    );
    expect(body).toContain(`model="${OTHER_MODEL}"`);
    expect(body).not.toContain('user-1234-made-up');
    expect(body).toContain(
      'aiq_provider_tokens_total{provider="openai",model="gpt-known",direction="output"} 5',
    );
    expect(body).toContain('aiq_provider_cost_usd_total{provider="openai",model="gpt-known"} 0.25');
    expect(body).toMatch(
      /aiq_provider_request_duration_seconds_bucket\{le="2.5",provider="openai",model="gpt-known",status="completed"\} 1/,
    );
  });

  it('reads queue counts and ledger stats at each scrape', async () => {
    const metrics = createAiqMetrics({ knownModels: () => true, defaultMetrics: false });
    let waiting = 3;
    metrics.observeQueues(() => [
      { name: 'dead-letter', getJobCounts: () => Promise.resolve({ waiting, failed: 1 }) },
    ]);
    metrics.observeLedger(() => ({ buffered: 7, pendingBatchAgeMs: 2500 }));
    expect((await metrics.scrape()).body).toContain(
      'aiq_queue_jobs{queue="dead-letter",state="waiting"} 3',
    );
    waiting = 4;
    const { body } = await metrics.scrape();
    expect(body).toContain('aiq_queue_jobs{queue="dead-letter",state="waiting"} 4');
    expect(body).toContain('aiq_queue_jobs{queue="dead-letter",state="active"} 0');
    expect(body).toContain('aiq_ledger_outbox_depth 7');
    expect(body).toContain('aiq_ledger_batch_age_seconds 2.5');
  });

  it('should report the open event subscriptions as they are at each scrape', async () => {
    const metrics = createAiqMetrics({ knownModels: () => true, defaultMetrics: false });
    let open = 2;
    metrics.observeEventSubscriptions(() => open);
    expect((await metrics.scrape()).body).toContain('aiq_sse_subscriptions 2');
    open = 0;
    expect((await metrics.scrape()).body).toContain('aiq_sse_subscriptions 0');
  });
});
