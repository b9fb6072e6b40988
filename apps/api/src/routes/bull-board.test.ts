import { createApiKey } from '@aiq/auth';
import { createPostgresDatabase } from '@aiq/db';
import { deadLetterJobId, enqueue, type DeadLetterJob } from '@aiq/queue';
import { createTestDatabase, type TestDatabase } from '@aiq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { boardAction } from './bull-board.js';

// What a hostile page can make an operator's browser send: a "simple" cross-site form post
// (text/plain needs no preflight), carrying the Basic credentials the browser cached for /admin.
describe('Bull Board', () => {
  let api: TestApi;
  let basic: string;
  let bearer: string;
  beforeAll(async () => {
    api = await startTestApi();
    const { key } = await createApiKey(api.deps.database, { userId: 'ops', role: 'operator' });
    basic = `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`;
    bearer = `Bearer ${key}`;
  });
  afterAll(() => api.close());

  const addPath = '/admin/queues/api/queues/background-task/add';
  const job = JSON.stringify({ name: 'csrf', data: { hello: 'board' }, options: {} });
  const waitingJobs = () => api.deps.queues['background-task'].getWaitingCount();

  it.each([
    ['a cross-site Origin', { origin: 'https://evil.example' }],
    ['Origin null', { origin: 'null' }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site', origin: 'http://localhost' }],
  ])('should refuse a state-changing request with %s and add no job', async (_, headers) => {
    const response = await api.app.request(addPath, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'text/plain', ...headers },
      body: job,
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'cross_site_request' } });
    expect(await waitingJobs()).toBe(0);
  });

  it('should add a job from the same origin, and from a tool that sends no Origin', async () => {
    const sameOrigin = await api.app.request(addPath, {
      method: 'POST',
      headers: {
        authorization: basic,
        'content-type': 'application/json',
        origin: 'http://localhost',
        'sec-fetch-site': 'same-origin',
      },
      body: job,
    });
    expect(sameOrigin.status).toBe(200);
    const curl = await api.app.request(addPath, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: job,
    });
    expect(curl.status).toBe(200);
    expect(await waitingJobs()).toBe(2);
  });

  it('should let a safe request through whatever site it comes from', async () => {
    const page = await api.app.request('/admin/queues/api/queues', {
      headers: { authorization: basic, 'sec-fetch-site': 'cross-site' },
    });
    expect(page.status).toBe(200);
  });

  it('should accept Basic credentials only under /admin', async () => {
    expect(
      (await api.app.request('/v1/models', { headers: { authorization: bearer } })).status,
    ).toBe(200);
    for (const path of ['/v1/models', '/api/tasks']) {
      const response = await api.app.request(path, { headers: { authorization: basic } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    const board = await api.app.request('/admin/queues/api/queues', {
      headers: { authorization: basic },
    });
    expect(board.status).toBe(200);
  });
});

describe('Bull Board read-only mode', () => {
  let api: TestApi;
  let headers: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi({ BULL_BOARD_READ_ONLY: 'true' });
    headers = await api.keyFor('ops', 'operator');
  });
  afterAll(() => api.close());

  it('should refuse a retry, a clean and a pause with 403 read_only and change nothing', async () => {
    const queue = api.deps.queues['background-task'];
    const job = await queue.add('kept', { hello: 'board' }, { jobId: 'kept-1' });
    const base = '/admin/queues/api/queues/background-task';
    for (const path of [
      `${base}/${job.id}/retry`,
      `${base}/${job.id}/clean`,
      `${base}/clean/waiting`,
      `${base}/pause`,
      '/admin/queues/api/queues/pause',
    ]) {
      const response = await api.app.request(path, { method: 'PUT', headers });
      expect(response.status, path).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'read_only' } });
    }
    expect(await queue.isPaused()).toBe(false);
    expect(await queue.getWaitingCount()).toBe(1);
    expect(await api.deps.database.query('SELECT id FROM operator_actions')).toEqual([]);
  });

  it('should still show the queues, flagged read-only for the UI', async () => {
    const response = await api.app.request('/admin/queues/api/queues', { headers });
    expect(response.status).toBe(200);
    const { queues } = (await response.json()) as { queues: { readOnlyMode: boolean }[] };
    expect(queues.length).toBeGreaterThan(0);
    expect(queues.every((queue) => queue.readOnlyMode)).toBe(true);
  });
});

describe('Bull Board dead-letter view', () => {
  let api: TestApi;
  let headers: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi();
    headers = await api.keyFor('ops-reader', 'operator');
  });
  afterAll(() => api.close());

  const taskId = '3b0c8c0e-8f1e-4e43-9d4a-2a9c1f0e5d71';
  const at = Date.UTC(2026, 0, 15, 9, 30);
  const entry: DeadLetterJob = {
    taskId,
    retry: 1,
    queue: 'generate-openai',
    payload: { taskId, model: 'gpt-5' },
    failures: [
      { attempt: 1, at, errorCode: 'rate_limited', message: '429 Rate limit reached' },
      { attempt: 2, at: at + 2_000, errorCode: 'server_error', message: '500 Internal' },
      { attempt: 3, at: at + 6_000, errorCode: 'timeout', message: 'No answer in 30 s' },
    ],
    deadLetteredAt: at + 6_500,
  };

  it('should list each entry by its last error and show every attempt on a line of its own', async () => {
    await enqueue(api.deps.queues, 'dead-letter', entry, { jobId: deadLetterJobId(taskId, 1) });
    const list = await api.app.request(
      '/admin/queues/api/queues?activeQueue=dead-letter&status=latest&page=1',
      { headers },
    );
    expect(list.status).toBe(200);
    const { queues } = (await list.json()) as {
      queues: { name: string; description: string; jobs: { name: string; data: unknown }[] }[];
    };
    const deadLetters = queues.find((queue) => queue.name === 'dead-letter');
    expect(deadLetters?.description).toMatch(/failed for good/);
    expect(deadLetters?.jobs).toHaveLength(1);
    const [job] = deadLetters?.jobs ?? [];
    expect(job?.name).toBe('timeout after 3 attempts on generate-openai');
    expect(job?.data).toEqual({
      summary: `Task ${taskId} (run 1) failed for good on generate-openai at 2026-01-15T09:30:06.500Z; not retried`,
      attempts: [
        '#1 2026-01-15T09:30:00.000Z rate_limited: 429 Rate limit reached',
        '#2 2026-01-15T09:30:02.000Z server_error: 500 Internal',
        '#3 2026-01-15T09:30:06.000Z timeout: No answer in 30 s',
      ],
      ...entry,
    });

    const one = await api.app.request(
      `/admin/queues/api/queues/dead-letter/${deadLetterJobId(taskId, 1)}`,
      { headers },
    );
    expect(one.status).toBe(200);
    const { job: shown } = (await one.json()) as { job: { data: { attempts: string[] } } };
    expect(shown.data.attempts).toHaveLength(3);
  });

  it("should leave the other queues' jobs as they are", async () => {
    await api.deps.queues['background-task'].add('plain', { hello: 'board' }, { jobId: 'plain-1' });
    const one = await api.app.request('/admin/queues/api/queues/background-task/plain-1', {
      headers,
    });
    const { job } = (await one.json()) as { job: { name: string; data: unknown } };
    expect(job).toMatchObject({ name: 'plain', data: { hello: 'board' } });
  });
});

describe('Bull Board audit trail', () => {
  let testDatabase: TestDatabase;
  let api: TestApi;
  let headers: Record<string, string>;
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    api = await startTestApi(
      {},
      { database: createPostgresDatabase({ url: testDatabase.url, poolSize: 2 }) },
    );
    headers = await api.keyFor('ops-auditor', 'operator');
  });
  afterAll(async () => {
    await api.close();
    await testDatabase.drop();
  });

  const actions = (since: string) =>
    api.deps.database.query(
      `SELECT action, door, actor, task_ids, filters, matched, changed FROM operator_actions
       WHERE created_at >= $1 AND created_at <= now() ORDER BY created_at`,
      [since],
    );
  const dbNow = async () => {
    const [row] = await api.deps.database.query<{ now: string }>('SELECT now()::text AS now');
    return row?.now ?? '';
  };

  it('should record a pause and a job removal with who and when', async () => {
    const queue = api.deps.queues['background-task'];
    const job = await queue.add('doomed', { hello: 'board' }, { jobId: 'doomed-1' });
    const since = await dbNow();
    const base = '/admin/queues/api/queues/background-task';

    const pause = await api.app.request(`${base}/pause`, { method: 'PUT', headers });
    expect(pause.status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
    const remove = await api.app.request(`${base}/${job.id}/clean`, { method: 'PUT', headers });
    expect(remove.status).toBe(204);
    expect(await queue.getJob('doomed-1')).toBeUndefined();

    expect(await actions(since)).toEqual([
      {
        action: 'bull_board_pause',
        door: 'bull_board',
        actor: 'ops-auditor',
        task_ids: [],
        filters: { queue: 'background-task' },
        matched: 0,
        changed: 0,
      },
      {
        action: 'bull_board_remove',
        door: 'bull_board',
        actor: 'ops-auditor',
        task_ids: ['doomed-1'],
        filters: { queue: 'background-task', jobId: 'doomed-1' },
        matched: 1,
        changed: 1,
      },
    ]);
  });

  it('should record nothing for a read or a refused change', async () => {
    const since = await dbNow();
    const base = '/admin/queues/api/queues/background-task';
    expect((await api.app.request('/admin/queues/api/queues', { headers })).status).toBe(200);
    const missing = await api.app.request(`${base}/no-such-job/clean`, { method: 'PUT', headers });
    expect(missing.status).toBe(404);
    expect(await actions(since)).toEqual([]);
  });
});

describe('boardAction', () => {
  it.each([
    ['PUT', 'queues/pause', 'bull_board_pause_all', {}],
    ['PUT', 'queues/q/resume', 'bull_board_resume', { queue: 'q' }],
    ['POST', 'queues/q/add', 'bull_board_add', { queue: 'q' }],
    ['PUT', 'queues/q/promote', 'bull_board_promote_all', { queue: 'q' }],
    ['PUT', 'queues/q/clean/failed', 'bull_board_clean_all', { queue: 'q', status: 'failed' }],
    ['PUT', 'queues/q/retry/failed', 'bull_board_retry_all', { queue: 'q', status: 'failed' }],
    ['PUT', 'queues/q/rate-limit/release', 'bull_board_rate_limit_release', { queue: 'q' }],
    ['PUT', 'queues/q/j%2F1/promote', 'bull_board_promote', { queue: 'q', jobId: 'j/1' }],
    ['PATCH', 'queues/q/j1/update-data', 'bull_board_update_data', { queue: 'q', jobId: 'j1' }],
    [
      'PUT',
      'queues/q/job-schedulers/s1/remove',
      'bull_board_job_scheduler_remove',
      { queue: 'q', schedulerId: 's1' },
    ],
    [
      'PATCH',
      'queues/q/job-schedulers/s1',
      'bull_board_job_scheduler_update',
      { queue: 'q', schedulerId: 's1' },
    ],
    ['PUT', 'metrics/history/purge', 'bull_board_metrics_history_purge', {}],
    ['DELETE', 'something/new', 'bull_board_delete', { path: 'something/new' }],
  ])('should name %s %s', (method, path, action, filters) => {
    expect(boardAction(method, path)).toMatchObject({ action, filters });
  });
});
