import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredBy as answeredByApi } from './harness/answered-by.js';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

describe('operator switch-over in a running fleet', () => {
  let cluster: ApiCluster;
  let operator: Record<string, string>;
  let user: Record<string, string>;
  beforeAll(async () => {
    cluster = await startApiCluster({ workerCount: 2 });
    operator = await cluster.keyFor('ops-1', 'operator');
    user = await cluster.keyFor('user-1');
  }, 60_000);
  afterAll(() => cluster.close());

  const api = () => cluster.apis[0] ?? '';
  const post = (path: string, headers: Record<string, string>, body: unknown) =>
    fetch(`${api()}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** Submits a generation of gpt-5.6-sol and resolves with the model that answered it. */
  const answeredBy = (prompt: string) =>
    answeredByApi(api(), user, { model: 'gpt-5.6-sol', prompt });

  it('should route new tasks away within 1 s of a disable and back within 1 s of an enable, on record', async () => {
    expect((await answeredBy('Before')).model).toBe('gpt-5.6-sol');

    const disabled = await post('/api/admin/providers/openai/disable', operator, {
      reason: 'openai status page red',
    });
    expect(disabled.status).toBe(200);
    // The very next task, on any worker, runs elsewhere and completes well within a second.
    const during = await answeredBy('During');
    expect(during.model).toBe('claude-sonnet-5-5');
    expect(during.ms).toBeLessThan(1_000);
    const openaiCalls = cluster.mock.requests({ provider: 'openai' }).length;

    const listing = (await (
      await fetch(`${api()}/api/admin/providers`, { headers: operator })
    ).json()) as { providers: Record<string, { disabled: { actor: string } | null }> };
    expect(listing.providers['openai']?.disabled).toMatchObject({ actor: 'ops-1' });
    const ready = (await (await fetch(`${api()}/api/health/ready`)).json()) as {
      status: string;
      routing: { providers: Record<string, { disabled: boolean }> };
    };
    expect(ready.status).toBe('ready');
    expect(ready.routing.providers['openai']).toMatchObject({ disabled: true });

    expect((await post('/api/admin/providers/openai/enable', operator, {})).status).toBe(200);
    const after = await answeredBy('After');
    expect(after.model).toBe('gpt-5.6-sol');
    expect(after.ms).toBeLessThan(1_000);
    expect(openaiCalls).toBe(1); // only the task before the disable reached openai

    const rows = await cluster.database.query<{ action: string; target: string; actor: string }>(
      `SELECT action, target, actor, reason FROM routing_changes ORDER BY created_at`,
    );
    expect(rows).toEqual([
      { action: 'disable', target: 'openai', actor: 'ops-1', reason: 'openai status page red' },
      { action: 'enable', target: 'openai', actor: 'ops-1', reason: null },
    ]);
  }, 60_000);
});
