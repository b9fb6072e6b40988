import { freePort } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredBy } from './harness/answered-by.js';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';
import { runCliProcess } from './harness/run-cli-process.js';

/**
 * `aiq provider disable|enable` and `aiq notice set|clear` as operators run them: the CLI as its
 * own process, calling a real API process, with a real worker routing the next task.
 */
describe('aiq provider and notice commands against a running fleet', () => {
  let cluster: ApiCluster;
  let user: Record<string, string>;
  let operatorKey: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    cluster = await startApiCluster({ workerCount: 1 });
    user = await cluster.keyFor('user-1');
    operatorKey = ((await cluster.keyFor('ops-1', 'operator'))['authorization'] ?? '').replace(
      'Bearer ',
      '',
    );
    env = {
      REDIS_URL: cluster.redisUrl,
      QUEUE_PREFIX: cluster.prefix,
      AIQ_API_URL: api(),
      AIQ_API_KEY: operatorKey,
    };
  }, 60_000);
  afterAll(() => cluster.close());

  function api() {
    return cluster.apis[0] ?? '';
  }
  const aiq = (args: string[], overrides: Record<string, string> = {}) =>
    runCliProcess(args, { ...env, ...overrides });
  const gpt = (prompt: string) => answeredBy(api(), user, { model: 'gpt-5.6-sol', prompt });

  it('should switch a provider off and on within 1 s of the command, on record', async () => {
    expect((await gpt('Before')).model).toBe('gpt-5.6-sol');

    const disabled = await aiq(['provider', 'disable', 'openai', '--reason', 'status page red']);
    expect(disabled).toMatchObject({ code: 0, err: '' });
    expect(disabled.out).toMatch(
      /^Disabled provider openai at \d{4}-\d\d-\d\dT[\d:.]+Z: new and retried tasks go to fallbacks\n$/,
    );
    const during = await gpt('During');
    expect(during.model).toBe('claude-sonnet-5-5');
    expect(performance.now() - disabled.exitedAt).toBeLessThan(1_000);

    const enabled = await aiq(['provider', 'enable', 'openai', '--json']);
    expect(enabled).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(enabled.out)).toEqual({
      target: 'openai',
      kind: 'provider',
      action: 'enable',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) as unknown,
    });
    const after = await gpt('After');
    expect(after.model).toBe('gpt-5.6-sol');
    expect(performance.now() - enabled.exitedAt).toBeLessThan(1_000);

    const rows = await cluster.database.query(
      'SELECT action, target, actor, reason FROM routing_changes ORDER BY created_at',
    );
    expect(rows).toEqual([
      { action: 'disable', target: 'openai', actor: 'ops-1', reason: 'status page red' },
      { action: 'enable', target: 'openai', actor: 'ops-1', reason: null },
    ]);
  }, 60_000);

  it("should exit 1 with the API's code for an unknown name, in words and in JSON", async () => {
    const words = await aiq(['provider', 'disable', 'mistral', '--reason', 'x']);
    expect(words).toMatchObject({ code: 1, out: '' });
    expect(words.err).toMatch(
      /^unknown_provider \(HTTP 404\): Unknown provider or model "mistral"\. Known: anthropic, deepseek, openai, .+\n$/,
    );
    const json = await aiq(['provider', 'enable', 'mistral', '--json']);
    expect(json).toMatchObject({ code: 1, out: '' });
    expect(JSON.parse(json.err)).toMatchObject({
      error: { status: 404, code: 'unknown_provider' },
    });
  }, 30_000);

  it('should exit 1 on a wrong or missing key, and never print the key', async () => {
    const userKey = (user['authorization'] ?? '').replace('Bearer ', '');
    const forbidden = await aiq(['provider', 'disable', 'openai', '--reason', 'x'], {
      AIQ_API_KEY: userKey,
    });
    expect(forbidden).toMatchObject({ code: 1, out: '' });
    expect(forbidden.err).toMatch(/^forbidden \(HTTP 403\): /);
    const wrong = await aiq(['notice', 'set', 'x'], { AIQ_API_KEY: 'aiq_not-a-real-key' });
    expect(wrong).toMatchObject({ code: 1, out: '' });
    expect(wrong.err).toMatch(/^\w+ \(HTTP 401\): /);
    const { AIQ_API_KEY: _key, ...withoutKey } = env;
    const missing = await runCliProcess(['notice', 'clear'], withoutKey);
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toMatch(/^missing_api_key: AIQ_API_KEY is not set: create an operator key/);
    for (const result of [forbidden, wrong, missing]) {
      expect(result.out + result.err).not.toContain(userKey);
      expect(result.out + result.err).not.toContain('aiq_not-a-real-key');
    }
    const rows = await cluster.database.query(
      "SELECT count(*)::int AS n FROM routing_changes WHERE reason = 'x'",
    );
    expect(rows).toEqual([{ n: 0 }]);
  }, 30_000);

  it('should say in one line that the API is unreachable', async () => {
    const down = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const result = await aiq(['provider', 'disable', 'openai', '--reason', 'x'], {
      AIQ_API_URL: down,
    });
    expect(result).toMatchObject({
      code: 1,
      out: '',
      err: `api_unreachable: Cannot reach the aiq API at ${down}: ECONNREFUSED\n`,
    });
  }, 30_000);

  it('should set a notice that GET /api/status shows without a key, and clear it', async () => {
    const set = await aiq([
      'notice',
      'set',
      'Slow answers: OpenAI is degraded',
      '--severity',
      'major',
    ]);
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toMatch(
      /^Notice set \(major\) at \d{4}-.+: users see it at GET \/api\/status\n$/,
    );
    const shown = (await (await fetch(`${api()}/api/status`)).json()) as { notice: unknown };
    expect(shown.notice).toMatchObject({
      message: 'Slow answers: OpenAI is degraded',
      severity: 'major',
    });

    const cleared = await aiq(['notice', 'clear', '--json']);
    expect(cleared).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(cleared.out)).toEqual({ cleared: true });
    const after = (await (await fetch(`${api()}/api/status`)).json()) as { notice: unknown };
    expect(after.notice).toBeNull();
  }, 30_000);
});
