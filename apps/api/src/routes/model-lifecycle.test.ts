import { describe, expect, it } from 'vitest';
import { startTestApi } from '../testing/test-api.js';

// claude-sonnet-4-5 reaches its end of life on 2026-11-30, gpt-5 on 2026-12-11.
const SONNET_RETIRED =
  'Model claude-sonnet-4-5 reached end of life on 2026-11-30; requests for it run on claude-sonnet-5-5';
const GPT_RETIRED =
  'Model gpt-5 reached end of life on 2026-12-11; requests for it run on gpt-5.6-sol';

describe.each([
  [
    'today',
    '2026-12-02T09:00:00Z',
    'deprecated',
    [
      SONNET_RETIRED,
      'Model gpt-5 reaches end of life on 2026-12-11 (in 9 days); migrate to gpt-5.6-sol',
    ],
  ],
  ['a month ahead', '2027-01-02T09:00:00Z', 'retired', [SONNET_RETIRED, GPT_RETIRED]],
  ['a year ahead', '2027-12-02T09:00:00Z', 'retired', [SONNET_RETIRED, GPT_RETIRED]],
])('the API %s (%s)', (_when, at, gptLifecycle, warnings) => {
  it('should mark the models and warn of their end of life as of that day', async () => {
    const api = await startTestApi({ MODELS_AS_OF: at });
    try {
      const headers = await api.keyFor('alice');
      const list = (await (await api.app.request('/v1/models', { headers })).json()) as {
        data: { id: string; lifecycle: string }[];
      };
      const lifecycles = Object.fromEntries(list.data.map((model) => [model.id, model.lifecycle]));
      expect(lifecycles).toMatchObject({
        'claude-sonnet-4-5': 'retired',
        'claude-sonnet-5-5': 'active',
        'gpt-5': gptLifecycle,
        'gpt-5.6-sol': 'active',
      });
      const ready = await api.app.request('/api/health/ready');
      expect(await ready.json()).toMatchObject({ status: 'ready', warnings });
    } finally {
      await api.close();
    }
  });
});
