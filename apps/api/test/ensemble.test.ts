import { connectTestRedis, TEST_NOW } from '@aiq/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSse } from '../src/testing/parse-sse.js';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

/** The default chain: one model per provider, runbook order. */
const MODELS = ['gpt-5.6-sol', 'claude-sonnet-5-5', 'deepseek-chat'];

type Event = Record<string, unknown> & { type: string };
interface Candidate {
  model: string;
  status: string;
  text: string | null;
  usage: { inputTokens: number; outputTokens: number } | null;
  latencyMs: number | null;
  error: { code: string; message: string } | null;
}

describe('POST /api/ai/ensemble (API and worker processes, mock LLM)', () => {
  let cluster: ApiCluster;
  let redis: Redis;
  let users = 0;
  /** A new user per test: the ensemble budget is per user. */
  const newUser = () => cluster.keyFor(`ensemble-user-${(users += 1)}`);

  beforeAll(async () => {
    cluster = await startApiCluster({
      env: {
        MODELS_AS_OF: TEST_NOW,
        ENSEMBLE_RATE_LIMIT_PER_MINUTE: '3',
        // Short backoffs: a provider that is down is retried (3 attempts) before it counts as failed.
        GENERATE_RETRY_BASE_DELAY_MS: '20',
        GENERATE_RETRY_MAX_DELAY_MS: '50',
      },
    });
    redis = await connectTestRedis();
  });
  afterEach(() => cluster.mock.clearScenarios());
  afterAll(async () => {
    await redis.quit();
    await cluster.close();
  });

  async function post(headers: Record<string, string>, body: Record<string, unknown>) {
    return fetch(`${cluster.apis[0]}/api/ai/ensemble`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function streamed(headers: Record<string, string>, body: Record<string, unknown>) {
    const response = await post(headers, body);
    expect(response.status).toBe(200);
    const taskId = response.headers.get('x-task-id') ?? '';
    const events = parseSse(await response.text()).map((event) => JSON.parse(event.data) as Event);
    return { taskId, events };
  }

  async function task(headers: Record<string, string>, taskId: string) {
    const response = await fetch(`${cluster.apis[0]}/api/tasks/${taskId}`, { headers });
    return (await response.json()) as {
      status: string;
      result: { candidates: Candidate[]; succeeded: number } | null;
      error: { code: string } | null;
    };
  }

  it('should complete an ensemble with one provider down with the others’ answers', async () => {
    const alice = await newUser();
    cluster.mock.addScenario({ provider: 'anthropic', fault: '529' });
    const { taskId, events } = await streamed(alice, {
      models: MODELS,
      prompt: 'Compare these answers [[mock tokens=12 delay=2]]',
    });

    const done = events.at(-1);
    expect(done?.type).toBe('done');
    expect(events.filter((event) => event.type === 'done' || event.type === 'error')).toHaveLength(
      1,
    );
    const { candidates, succeeded } = (done?.result ?? {}) as {
      candidates: Candidate[];
      succeeded: number;
    };
    expect(succeeded).toBe(2);
    // The done event reports the candidates' tokens and cost (the web app's done chip shows them).
    expect(done).toMatchObject({
      usage: { outputTokens: 24 },
      costUsd: expect.any(Number),
    });
    expect(done !== undefined && 'costUsd' in done ? Number(done.costUsd) : 0).toBeGreaterThan(0);
    expect(candidates.map((candidate) => [candidate.model, candidate.status])).toEqual([
      ['gpt-5.6-sol', 'completed'],
      ['claude-sonnet-5-5', 'failed'],
      ['deepseek-chat', 'completed'],
    ]);
    const [gpt, claude, deepseek] = candidates as [Candidate, Candidate, Candidate];
    expect(claude).toMatchObject({ text: null, usage: null, error: { code: 'overloaded' } });
    for (const answer of [gpt, deepseek]) {
      expect(answer.error).toBeNull();
      expect(answer.usage?.outputTokens).toBe(12);
      expect(answer.latencyMs).toEqual(expect.any(Number));
      // The candidate's tokens, picked out of the one stream by their model, are its text.
      const tokens = events.filter(
        (event) => event.type === 'token' && event.model === answer.model,
      );
      expect(tokens.map((event) => event.text).join('')).toBe(answer.text);
      expect(answer.text?.split(' ')).toHaveLength(12);
    }
    // Every token names its candidate; the failed one retried under its own name, then ended.
    expect(events.filter((event) => event.type === 'token' && event.model === undefined)).toEqual(
      [],
    );
    expect(events.filter((event) => event.type === 'retrying').map((event) => event.model)).toEqual(
      ['claude-sonnet-5-5', 'claude-sonnet-5-5'],
    );
    const ends = events.filter((event) => event.type === 'progress' && event.step === 'candidate');
    expect(ends.map((event) => (event.candidate as Candidate).model).sort()).toEqual(
      [...MODELS].sort(),
    );
    expect(ends.at(-1)).toMatchObject({ completed: 3, total: 3 });

    // One ai_requests row per provider call, under the ensemble's task id, naming its model.
    await expect
      .poll(() =>
        cluster.database.query<{ model: string; status: string; error_code: string | null }>(
          `SELECT model, status, error_code FROM ai_requests WHERE task_id = $1
           ORDER BY model, attempt`,
          [taskId],
        ),
      )
      .toEqual([
        { model: 'claude-sonnet-5-5', status: 'failed', error_code: 'overloaded' },
        { model: 'claude-sonnet-5-5', status: 'failed', error_code: 'overloaded' },
        { model: 'claude-sonnet-5-5', status: 'failed', error_code: 'overloaded' },
        { model: 'deepseek-chat', status: 'completed', error_code: null },
        { model: 'gpt-5.6-sol', status: 'completed', error_code: null },
      ]);
    expect(cluster.mock.requests({ provider: 'anthropic' })).toHaveLength(3);
    await expect.poll(() => task(alice, taskId)).toMatchObject({ status: 'completed' });
    expect((await task(alice, taskId)).result?.candidates).toEqual(candidates);
  });

  it('should fail with all_candidates_failed when every provider is down, and run again on retry', async () => {
    const bob = await newUser();
    cluster.mock.addScenario({ provider: '*', fault: '500' });
    const { taskId, events } = await streamed(bob, {
      models: ['gpt-5.6-sol', 'deepseek-chat'],
      prompt: 'Nobody answers [[mock tokens=5]]',
    });
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      code: 'all_candidates_failed',
      retryable: false,
    });
    const failures = events
      .filter((event) => event.type === 'progress' && event.step === 'candidate')
      .map((event) => event.candidate as Candidate);
    expect(failures.map((candidate) => [candidate.status, candidate.error?.code])).toEqual([
      ['failed', 'server_error'],
      ['failed', 'server_error'],
    ]);
    await expect
      .poll(() => task(bob, taskId))
      .toMatchObject({ status: 'failed', error: { code: 'all_candidates_failed' } });

    // The providers are back: a retry runs the whole flow again on the same id, fresh candidates.
    cluster.mock.clearScenarios();
    const retried = await fetch(`${cluster.apis[0]}/api/tasks/${taskId}/retry`, {
      method: 'POST',
      headers: bob,
    });
    expect(retried.status).toBe(202);
    await expect
      .poll(() => task(bob, taskId), { timeout: 10_000 })
      .toMatchObject({
        status: 'completed',
        result: { succeeded: 2 },
      });
  });

  it('should stop every candidate when the ensemble is cancelled', async () => {
    const carol = await newUser();
    const prompt = 'A long comparison [[mock tokens=2000 delay=20]]';
    const response = await post(carol, { models: MODELS, prompt, stream: false });
    expect(response.status).toBe(202);
    const { taskId } = (await response.json()) as { taskId: string };
    const calls = () =>
      cluster.mock
        .requests()
        .filter((call) => JSON.stringify(call.body).includes('A long comparison'));
    // Every candidate is mid-answer on its provider.
    await expect.poll(() => calls().length, { timeout: 10_000 }).toBe(3);

    const cancelled = await fetch(`${cluster.apis[0]}/api/tasks/${taskId}`, {
      method: 'DELETE',
      headers: carol,
    });
    expect(cancelled.status).toBeLessThan(300);
    // Each provider request was ended by its worker, none ran to the end of its answer.
    await expect
      .poll(() => calls().map((call) => call.closedAt !== null), { timeout: 5_000 })
      .toEqual([true, true, true]);
    expect(calls().map((call) => call.completed)).toEqual([false, false, false]);
    await expect.poll(() => task(carol, taskId)).toMatchObject({ status: 'cancelled' });
    expect(calls()).toHaveLength(3); // and no candidate started again
  });

  it('should refuse unknown, repeated, too few and too many models with their own codes', async () => {
    const dave = await newUser();
    const refusal = async (models: unknown) => {
      const response = await post(dave, { models, prompt: 'Hi', stream: false });
      return {
        status: response.status,
        code: ((await response.json()) as { error: { code: string } }).error.code,
      };
    };
    expect(await refusal(['gpt-5.6-sol', 'no-such-model'])).toEqual({
      status: 400,
      code: 'model_not_found',
    });
    // An alias names the same model as its id.
    expect(await refusal(['gpt-5.6-sol', 'gpt-5.6'])).toEqual({
      status: 400,
      code: 'duplicate_models',
    });
    expect(await refusal(['gpt-5.6-sol'])).toEqual({ status: 400, code: 'too_few_models' });
    expect(await refusal(Array.from({ length: 9 }, () => 'gpt-5.6-sol'))).toEqual({
      status: 400,
      code: 'too_many_models',
    });
    // Refusals cost no budget: this user still has its three ensembles.
    for (let index = 0; index < 3; index += 1) {
      const accepted = await post(dave, {
        models: MODELS,
        prompt: 'Hi [[mock tokens=2]]',
        stream: false,
      });
      expect(accepted.status).toBe(202);
    }
  });

  it('should answer 429 from the ensemble budget of its own, leaving generations alone', async () => {
    const erin = await newUser();
    for (let index = 0; index < 3; index += 1) {
      const accepted = await post(erin, {
        models: MODELS,
        prompt: 'Hi [[mock tokens=2]]',
        stream: false,
      });
      expect(accepted.status).toBe(202);
    }
    const limited = await post(erin, {
      models: MODELS,
      prompt: 'Hi [[mock tokens=2]]',
      stream: false,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit-policy')).toBe('3;w=60');
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    const generation = await fetch(`${cluster.apis[0]}/api/ai/generate`, {
      method: 'POST',
      headers: { ...erin, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.6-sol', prompt: 'Hi [[mock tokens=2]]', stream: false }),
    });
    expect(generation.status).toBe(202);
  });

  it('should default to one model per provider, leaving out a provider disabled in Redis', async () => {
    const frank = await newUser();
    const modelsOf = async (taskId: string) => {
      await expect.poll(() => task(frank, taskId)).toMatchObject({ status: 'completed' });
      return (await task(frank, taskId)).result?.candidates.map((candidate) => candidate.model);
    };
    const submit = async () => {
      const response = await post(frank, { prompt: 'Defaults [[mock tokens=3]]', stream: false });
      expect(response.status).toBe(202);
      return ((await response.json()) as { taskId: string }).taskId;
    };
    expect(await modelsOf(await submit())).toEqual(MODELS);

    const disabled = `${cluster.prefix}:routing:disabled`;
    await redis.hset(
      disabled,
      'anthropic',
      JSON.stringify({ reason: 'outage', actor: 'test', at: Date.parse(TEST_NOW) }),
    );
    try {
      expect(await modelsOf(await submit())).toEqual(['gpt-5.6-sol', 'deepseek-chat']);
      await redis.hset(
        disabled,
        'deepseek',
        JSON.stringify({ reason: 'outage', actor: 'test', at: Date.parse(TEST_NOW) }),
      );
      const tooFew = await post(frank, { prompt: 'Defaults', stream: false });
      expect(tooFew.status).toBe(400);
      expect(((await tooFew.json()) as { error: { code: string } }).error.code).toBe(
        'too_few_models',
      );
    } finally {
      await redis.del(disabled);
    }
  });
});
