import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse } from '../src/testing/parse-sse.js';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

// The runbook's default model, claude-sonnet-4.5, reached its end of life on 2026-11-30; gpt-5
// reaches its own on 2026-12-11. Both API and worker processes run as of 2026-12-02.
const AFTER_SONNET_BEFORE_GPT = '2026-12-02T09:00:00Z';

describe('a retired model through separate API and worker processes', () => {
  let cluster: ApiCluster;
  let alice: Record<string, string>;
  let client: OpenAI;
  beforeAll(async () => {
    cluster = await startApiCluster({ env: { MODELS_AS_OF: AFTER_SONNET_BEFORE_GPT } });
    alice = await cluster.keyFor('alice');
    client = cluster.openai(alice);
  });
  afterAll(() => cluster.close());

  it('should run the runbook model on its successor and show both models to the client', async () => {
    const response = await fetch(`${cluster.apis[0]}/api/ai/generate`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4.5', prompt: 'Hi [[mock tokens=3]]' }),
    });
    expect(response.status).toBe(200);
    const taskId = response.headers.get('x-task-id') ?? '';
    const events = parseSse(await response.text()).map(
      (event) => JSON.parse(event.data) as Record<string, unknown>,
    );
    expect(events.find((event) => event.type === 'started')).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-5-5',
      requestedModel: 'claude-sonnet-4-5',
    });
    expect(events.at(-1)).toMatchObject({ type: 'done', model: 'claude-sonnet-5-5' });

    // The worker's ledger writes go through its outbox: the row follows the stream shortly.
    await expect
      .poll(async () => {
        const task = await fetch(`${cluster.apis[0]}/api/tasks/${taskId}`, { headers: alice });
        return task.json();
      })
      .toMatchObject({
        status: 'completed',
        model: 'claude-sonnet-5-5',
        requestedModel: 'claude-sonnet-4.5',
      });
    await expect
      .poll(() =>
        cluster.database.query(
          'SELECT model, requested_model FROM ai_requests WHERE task_id = $1',
          [taskId],
        ),
      )
      .toEqual([{ model: 'claude-sonnet-5-5', requested_model: 'claude-sonnet-4-5' }]);
    expect(cluster.mock.requests({ provider: 'anthropic' }).map((call) => call.model)).toEqual([
      'claude-sonnet-5-5',
    ]);
  });

  it('should answer the openai SDK with the model that ran, streaming or not', async () => {
    const messages = [{ role: 'user' as const, content: 'Say hello [[mock tokens=4]]' }];
    const completion = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages,
    });
    expect(completion.model).toBe('claude-sonnet-5-5');
    const stream = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages,
      stream: true,
    });
    const models = new Set<string>();
    let text = '';
    for await (const chunk of stream) {
      models.add(chunk.model);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect([...models]).toEqual(['claude-sonnet-5-5']);
    expect(text).toBe(completion.choices[0]?.message.content);
  });

  it('should mark deprecated and retired models in /v1/models', async () => {
    const models = await client.models.list();
    const byId = new Map(models.data.map((model) => [model.id, model as unknown]));
    expect(byId.get('claude-sonnet-4-5')).toEqual({
      id: 'claude-sonnet-4-5',
      object: 'model',
      created: 0,
      owned_by: 'anthropic',
      deprecated: true,
      lifecycle: 'retired',
      end_of_life_date: '2026-11-30',
      replacement: 'claude-sonnet-5-5',
    });
    expect(byId.get('gpt-5')).toMatchObject({
      deprecated: true,
      lifecycle: 'deprecated',
      end_of_life_date: '2026-12-11',
      replacement: 'gpt-5.6-sol',
    });
    expect(byId.get('gpt-5.6-sol')).toMatchObject({
      deprecated: false,
      lifecycle: 'active',
      end_of_life_date: null,
      replacement: null,
    });
  });
});
