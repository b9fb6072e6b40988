import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';

const infra = (path: string) => fileURLToPath(new URL(`../../../infra/${path}`, import.meta.url));

/** Every label name of an exposition body. */
function labelNames(body: string): Set<string> {
  const names = new Set<string>();
  for (const line of body.split('\n')) {
    if (line.startsWith('#')) continue;
    for (const match of line.matchAll(/[{,]([a-zA-Z_]\w*)="/g)) names.add(match[1] ?? '');
  }
  return names;
}

/** The metric names of an exposition body: its samples' names (`x_bucket`, `x_count` …) and its families'. */
function metricNames(body: string): Set<string> {
  const names = new Set<string>();
  for (const line of body.split('\n')) {
    const family = /^# TYPE (\S+)/.exec(line)?.[1];
    const sample = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line)?.[1];
    if (family !== undefined) names.add(family);
    if (sample !== undefined && !line.startsWith('#')) names.add(sample);
  }
  return names;
}

/** The aiq metric names a PromQL expression reads. */
function namesIn(expression: string): string[] {
  return [...expression.matchAll(/\baiq_[a-z0-9_]+/g)].map((match) => match[0]);
}

/** The value of the sample `line` starts with (`name{labels}`), or undefined. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics on the API and the worker', () => {
  let cluster: ApiCluster;
  let operator: Record<string, string>;
  let workerBody: string;
  let apiBody: string;
  const taskIds: string[] = [];

  beforeAll(async () => {
    cluster = await startApiCluster({
      env: { RATE_LIMIT_STANDARD_PER_MINUTE: '2', GENERATE_RETRY_BASE_DELAY_MS: '50' },
    });
    operator = await cluster.keyFor('ops-person', 'operator');
    // One generation whose first call fails with a 500 and is retried.
    cluster.mock.addScenario({ provider: 'openai', fault: '500', count: 1 });
    const alice = await cluster.keyFor('alice-metrics-user');
    const completion = await cluster.openai(alice).chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'Count my tokens' }],
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    taskIds.push(completion.id);
    // The same question twice at temperature 0: the second is answered from the response cache.
    const dave = cluster.openai(await cluster.keyFor('dave-metrics-user'));
    for (let index = 0; index < 2; index += 1) {
      const cached = await dave.chat.completions.create({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'Cache me' }],
        temperature: 0,
      });
      taskIds.push(cached.id);
    }
    // Bob goes over his per-minute limit of 2 submissions: the third is refused with 429.
    const bob = await cluster.keyFor('bob-metrics-user');
    const statuses: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await fetch(`${cluster.apis[0] ?? ''}/api/ai/generate`, {
        method: 'POST',
        headers: { ...bob, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-5', prompt: `Hello ${index}`, stream: false }),
      });
      statuses.push(response.status);
      const body = (await response.json()) as { taskId?: string };
      if (body.taskId !== undefined) taskIds.push(body.taskId);
    }
    expect(statuses).toEqual([202, 202, 429]);
    workerBody = await (await fetch(`${cluster.workerHealthUrls[0] ?? ''}/metrics`)).text();
    const apiResponse = await fetch(`${cluster.apis[0] ?? ''}/metrics`, { headers: operator });
    expect(apiResponse.status).toBe(200);
    expect(apiResponse.headers.get('content-type')).toContain('text/plain');
    apiBody = await apiResponse.text();
  });
  afterAll(() => cluster.close());

  it('should count the worker’s provider calls by provider, model, status and error_code, with durations, time to first token, tokens, cost, the retry and the cache hit', () => {
    const model = 'model="gpt-5"';
    expect(
      sample(
        workerBody,
        `aiq_provider_requests_total{provider="openai",${model},status="failed",error_code="server_error"}`,
      ),
    ).toBe(1);
    const completed = `aiq_provider_requests_total{provider="openai",${model},status="completed",error_code="none"}`;
    expect(sample(workerBody, completed)).toBeGreaterThanOrEqual(1);
    expect(
      sample(
        workerBody,
        `aiq_provider_request_duration_seconds_count{provider="openai",${model},status="completed"}`,
      ),
    ).toBe(sample(workerBody, completed));
    expect(
      sample(
        workerBody,
        `aiq_provider_time_to_first_token_seconds_count{provider="openai",${model}}`,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(
        workerBody,
        `aiq_provider_tokens_total{provider="openai",${model},direction="output"}`,
      ),
    ).toBeGreaterThan(0);
    expect(
      sample(workerBody, `aiq_provider_cost_usd_total{provider="openai",${model}}`),
    ).toBeGreaterThan(0);
    expect(sample(workerBody, 'aiq_retries_total{error_code="server_error"}')).toBe(1);
    expect(sample(workerBody, `aiq_cache_hits_total{provider="openai",${model}}`)).toBe(1);
    expect(sample(workerBody, 'aiq_circuit_state{provider="openai",model="all"}')).toBe(0);
    expect(sample(workerBody, 'aiq_queue_jobs{queue="dead-letter",state="waiting"}')).toBe(0);
    expect(sample(workerBody, 'aiq_ledger_outbox_depth')).toBeGreaterThanOrEqual(0);
    expect(sample(workerBody, 'aiq_ledger_batch_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('should count the API’s 429s and report the fleet’s queues and circuits, behind an operator key', async () => {
    expect(sample(apiBody, 'aiq_rate_limit_rejections_total{limit="standard"}')).toBe(1);
    expect(sample(apiBody, 'aiq_circuit_state{provider="anthropic",model="all"}')).toBe(0);
    expect(sample(apiBody, 'aiq_queue_jobs{queue="generate-openai",state="failed"}')).toBe(0);
    const anonymous = await fetch(`${cluster.apis[0] ?? ''}/metrics`);
    expect(anonymous.status).toBe(401);
    const user = await fetch(`${cluster.apis[0] ?? ''}/metrics`, {
      headers: await cluster.keyFor('carol-metrics-user'),
    });
    expect(user.status).toBe(403);
  });

  it('should carry no user id, task id or request id, as a label or a value', () => {
    for (const body of [workerBody, apiBody]) {
      expect(
        [...labelNames(body)].filter((name) => /user|task|request_id|key/i.test(name)),
      ).toEqual([]);
      expect(body).not.toMatch(/metrics-user|ops-person/);
      for (const taskId of taskIds) expect(body).not.toContain(taskId.replace(/^chatcmpl-/, ''));
    }
    expect(taskIds.length).toBe(5);
  });

  it('should expose every metric the Grafana dashboard and the alert rules query', () => {
    const exposed = new Set([...metricNames(workerBody), ...metricNames(apiBody)]);
    const dashboard = JSON.parse(readFileSync(infra('grafana/aiq-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const queried = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr })),
    );
    expect(queried.length).toBeGreaterThanOrEqual(10);
    const rules = parseYaml(readFileSync(infra('prometheus/alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    for (const rule of rules.groups.flatMap((group) => group.rules)) {
      queried.push({ where: rule.alert, expr: rule.expr });
    }
    const missing = queried.flatMap(({ where, expr }) =>
      namesIn(expr)
        .filter((name) => !exposed.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    for (const { where, expr } of queried) expect(namesIn(expr), where).not.toEqual([]);
  });
});
