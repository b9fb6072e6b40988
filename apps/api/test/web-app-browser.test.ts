import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '@aiq/web/build';
import { startTcpProxy, type TcpProxy } from '@aiq/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';
import { launchChromium } from './harness/chromium.js';
import { runCliProcess } from './harness/run-cli-process.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
/** `AIQ_SCREENSHOTS=1` saves each page under docs/screenshots/ for the README. */
const saveScreenshots = process.env['AIQ_SCREENSHOTS'] === '1';

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly nodes: readonly { target: unknown; failureSummary?: string }[];
}

// The web app as a user and an operator meet it: the built app served by a real API process,
// a worker and the mock LLM; the browser talks to the API through a TCP proxy that can drop
// every connection, as a network does.
describe('the web app in a browser', () => {
  let cluster: ApiCluster;
  let proxy: TcpProxy;
  let browser: Browser;
  let userKey: string;
  let operatorKey: string;
  let user: Record<string, string>;
  beforeAll(async () => {
    await ensureWebBuild();
    cluster = await startApiCluster({ env: { GENERATE_RETRY_ATTEMPTS: '1' } });
    proxy = await startTcpProxy(cluster.apis[0] ?? '');
    user = await cluster.keyFor('web-user');
    userKey = (user['authorization'] ?? '').replace('Bearer ', '');
    operatorKey = ((await cluster.keyFor('web-ops', 'operator'))['authorization'] ?? '').replace(
      'Bearer ',
      '',
    );
    browser = await launchChromium();
    if (saveScreenshots) await mkdir(SCREENSHOTS, { recursive: true });
  }, 180_000);
  afterEach(() => cluster.mock.clearScenarios());
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await cluster?.close();
  });

  const origin = () => proxy.url.replace(/\/$/, '');

  /** A page of the app, signed in with `key` as the URL fragment `pnpm start` prints does. */
  async function open(path: string, { signedIn = true, operator = false } = {}): Promise<Page> {
    const key = signedIn ? (operator ? operatorKey : userKey) : undefined;
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${origin()}${path}${key === undefined ? '' : `#key=${key}`}`);
    return page;
  }

  async function expectAccessible(page: Page, name: string): Promise<void> {
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const { axe } = globalThis as unknown as {
        axe: { run(): Promise<{ violations: AxeViolation[] }> };
      };
      return (await axe.run()).violations.map(({ id, impact, nodes }) => ({
        id,
        impact,
        nodes: nodes.map((node) => ({ target: node.target, failureSummary: node.failureSummary })),
      }));
    });
    const serious = violations.filter(
      ({ impact }) => impact === 'serious' || impact === 'critical',
    );
    expect(serious, name).toEqual([]);
    if (!saveScreenshots) return;
    // The whole page in one viewport: a full-page shot repeats the fixed header mid-page.
    const height = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { body: { scrollHeight: number } } }).document.body
          .scrollHeight,
    );
    await page.setViewportSize({ width: 1100, height: Math.max(800, height) });
    await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
  }

  async function task(taskId: string) {
    const response = await fetch(`${origin()}/api/tasks/${taskId}`, { headers: user });
    return (await response.json()) as {
      type: string;
      status: string;
      retryCount: number;
      result: unknown;
      costUsd: number | null;
    };
  }

  async function generate(page: Page, model: string, prompt: string): Promise<string> {
    await page.getByRole('combobox', { name: 'Model' }).click();
    await page.getByRole('option', { name: model, exact: true }).click();
    await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
    await page.getByRole('button', { name: 'Generate' }).click();
    return page.getByTestId('task-id').innerText();
  }

  it(
    'should stream token by token, survive a dropped network and a reload without duplicates',
    { timeout: 60_000 },
    async () => {
      const page = await open('/');
      const taskId = await generate(page, 'gpt-5', 'Stream [[mock tokens=60 delay=50]]');
      const answer = page.getByTestId('answer');
      // Token by token: the text is seen growing several times before it ends.
      const seen = new Set<number>();
      await expect
        .poll(async () => seen.add((await answer.innerText()).length).size, { interval: 50 })
        .toBeGreaterThan(4);
      proxy.dropConnections();
      await expect
        .poll(async () => (await answer.innerText()).length)
        .toBeGreaterThan(Math.max(...seen));
      await page.reload();
      const done = page.locator('[data-chip="done"]');
      await done.waitFor({ timeout: 30_000 });
      const { result, costUsd } = await task(taskId);
      expect(await answer.innerText()).toBe((result as { text: string }).text);
      // Tokens, cost and latency: the cost is the task's (one call here), as `$0.0012`.
      expect(costUsd).toBeGreaterThan(0);
      expect(await done.innerText()).toMatch(/ in \/ \d+ out tokens, \$\d+\.\d{4,6}, \d+\.\d s$/);
      expect(await done.innerText()).toContain(
        `$${(costUsd as number).toFixed((costUsd as number) >= 0.0001 ? 4 : 6)}`,
      );
      expect(page.url()).toContain(`task=${taskId}`);
      await expectAccessible(page, 'playground');
    },
  );

  it('should stop a generation with Stop', { timeout: 30_000 }, async () => {
    const page = await open('/');
    const taskId = await generate(page, 'gpt-5', 'Long [[mock tokens=400 delay=50]]');
    await expect
      .poll(async () => (await page.getByTestId('answer').innerText()).length)
      .toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('[data-chip="cancelled"]').waitFor();
    expect((await task(taskId)).status).toBe('cancelled');
  });

  it('should show the fallback chip when a provider is down', { timeout: 30_000 }, async () => {
    cluster.mock.addScenario({ provider: 'openai', fault: 'server_error', count: 1 });
    const page = await open('/');
    await generate(page, 'gpt-5', 'Fallback [[mock tokens=5]]');
    await page.locator('[data-chip="fallback"]').waitFor();
    await page.locator('[data-chip="done"]').waitFor();
    expect(await page.locator('[data-chip="fallback"]').innerText()).toMatch(/^Fallback gpt-5 → /);
  });

  it('should show an ensemble’s candidates side by side', { timeout: 30_000 }, async () => {
    const page = await open('/');
    await page.getByText('Ensemble', { exact: true }).click({ timeout: 5_000 });
    // The dropdown stays open while options are picked.
    await page
      .getByRole('combobox', { name: 'Models (none: one per provider)' })
      .click({ timeout: 5_000, force: true }); // its pills wrapper covers it
    for (const model of ['gpt-5', 'claude-haiku-4-5']) {
      await page.getByRole('option', { name: model, exact: true }).click({ timeout: 5_000 });
    }
    await page.keyboard.press('Escape');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('Compare [[mock tokens=12]]');
    await page.getByRole('button', { name: 'Generate' }).click();
    const done = page.locator('[data-chip="done"]');
    await done.waitFor({ timeout: 20_000 });
    const taskId = await page.getByTestId('task-id').innerText();
    const { result } = await task(taskId);
    const { candidates } = result as { candidates: { model: string; text: string }[] };
    expect(candidates.map((candidate) => candidate.model)).toEqual(['gpt-5', 'claude-haiku-4-5']);
    // One panel per candidate, each with its own streamed text.
    for (const candidate of candidates) {
      const panel = page.getByRole('region', { name: `Candidate ${candidate.model}` });
      expect(await panel.locator('p').innerText()).toBe(candidate.text);
    }
    expect(await done.innerText()).toMatch(/^Done on ai_ensemble/);
    await expectAccessible(page, 'playground-ensemble');
  });

  it('should retry a failed task from My tasks on the same id', { timeout: 45_000 }, async () => {
    cluster.mock.addScenario({ provider: 'openai', fault: 'invalid_key', count: 1 });
    const submitted = await fetch(`${origin()}/api/ai/generate`, {
      method: 'POST',
      headers: { ...user, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-5',
        prompt: 'Retry me [[mock tokens=3]]',
        stream: false,
        fallback: false,
      }),
    });
    const { taskId } = (await submitted.json()) as { taskId: string };
    await expect.poll(() => task(taskId), { timeout: 15_000 }).toMatchObject({ status: 'failed' });
    const page = await open('/tasks');
    await page.getByRole('button', { name: `Show task ${taskId}` }).click();
    const detail = page.getByRole('region', { name: 'Task detail' });
    await detail.getByRole('button', { name: 'Retry' }).click();
    await expect
      .poll(() => detail.getByTestId('retry-count').innerText(), { timeout: 15_000 })
      .toBe('1');
    await expect
      .poll(() => task(taskId), { timeout: 15_000 })
      .toMatchObject({ status: 'completed', retryCount: 1 });
    await detail.getByText('completed').waitFor();
    await expectAccessible(page, 'tasks');
  });

  it(
    'should submit a background task from the form the catalog builds, and see it complete',
    { timeout: 45_000 },
    async () => {
      const page = await open('/tasks');
      const form = page.getByRole('region', { name: 'New background task' });
      await form.getByRole('combobox', { name: 'Task type' }).click();
      await page.getByRole('option', { name: 'ai_background_generation', exact: true }).click();
      // Fields from the input's JSON Schema: a line for the model, JSON for the messages, a
      // number for the temperature.
      await form.getByRole('textbox', { name: 'model', exact: true }).fill('gpt-5');
      await form
        .getByRole('textbox', { name: 'messages (JSON)' })
        .fill(JSON.stringify([{ role: 'user', content: 'From the form [[mock tokens=8]]' }]));
      await form.getByRole('textbox', { name: 'temperature' }).fill('0.5');
      await form.getByRole('button', { name: 'Submit task' }).click();
      const detail = page.getByRole('region', { name: 'Task detail' });
      await detail.getByText('completed').waitFor({ timeout: 20_000 });
      const taskId = (await detail.locator('code').innerText()).trim();
      expect(await task(taskId)).toMatchObject({
        type: 'ai_background_generation',
        status: 'completed',
        result: { model: 'gpt-5', text: expect.any(String) as unknown },
      });
      await page.getByRole('button', { name: `Show task ${taskId}` }).waitFor();
      await expectAccessible(page, 'tasks-new-background-task');
    },
  );

  it(
    'should show a notice set by `aiq notice set` on the public status page',
    { timeout: 30_000 },
    async () => {
      const set = await runCliProcess(['notice', 'set', 'Slow answers from OpenAI; we are on it'], {
        REDIS_URL: cluster.redisUrl,
        QUEUE_PREFIX: cluster.prefix,
        AIQ_API_URL: cluster.apis[0] ?? '',
        AIQ_API_KEY: operatorKey,
      });
      expect(set.code).toBe(0);
      const page = await open('/status', { signedIn: false });
      await expect
        .poll(() => page.getByTestId('notice').innerText())
        .toContain('Slow answers from OpenAI; we are on it');
      await page.getByRole('cell', { name: 'openai' }).waitFor();
      await expectAccessible(page, 'status');
    },
  );

  it('should ask for a key before anything but the status page', { timeout: 20_000 }, async () => {
    const page = await open('/tasks', { signedIn: false });
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('API key').fill(userKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My tasks' }).waitFor();
    // The API's own paths are not the app's page.
    const unknown = await fetch(`${origin()}/api/nothing-here`, { headers: user });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it(
    "should draw the operator's charts from the API, and refuse a user by the API",
    { timeout: 30_000 },
    async () => {
      // One answer and one (retryable) failure on record, whatever ran before.
      cluster.mock.addScenario({ provider: 'openai', fault: 'server_error', count: 1 });
      const submitted = await Promise.all(
        ['Ops failure [[mock tokens=2]]', 'Ops answer [[mock tokens=2]]'].map(async (prompt) => {
          const response = await fetch(`${origin()}/api/ai/generate`, {
            method: 'POST',
            headers: { ...user, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'gpt-5', prompt, stream: false, fallback: false }),
          });
          return ((await response.json()) as { taskId: string }).taskId;
        }),
      );
      for (const taskId of submitted) {
        await expect.poll(async () => (await task(taskId)).status).toMatch(/completed|failed/);
      }
      // Both went out at once: whichever reached the mock first is the one that failed.
      const statuses = await Promise.all(
        submitted.map(async (taskId) => (await task(taskId)).status),
      );
      expect([...statuses].sort()).toEqual(['completed', 'failed']);
      const failed = submitted[statuses.indexOf('failed')];
      const page = await open('/operations', { operator: true });
      await page.getByTestId('severity').waitFor();
      const hourly = page.getByRole('figure', { name: 'Success rate and p95 latency per hour' });
      // A point per hour: this hour's requests.
      await hourly.locator('.recharts-line-dot').first().waitFor({ timeout: 5_000 });
      const errors = page.getByRole('figure', { name: 'Errors by provider and code' });
      await errors.locator('.recharts-bar-rectangle').first().waitFor({ timeout: 5_000 });
      const usage = page.getByRole('figure', { name: 'Tokens and cost per day' });
      await usage.locator('.recharts-bar-rectangle').first().waitFor({ timeout: 5_000 });
      await page.locator('[data-circuit="openai"]').waitFor();
      await page.getByRole('button', { name: 'Count matching tasks' }).click();
      await expect
        .poll(() => page.getByTestId('dry-run').innerText())
        .toBe('1 match, 1 would be retried.');
      await expectAccessible(page, 'operations');
      await page.getByRole('button', { name: 'Retry 1 task' }).click();
      await page.getByText('Retried 1 of 1 tasks').waitFor();
      await expect.poll(async () => (await task(failed ?? '')).status).toBe('completed');
      // On record like every operator action: the dry run, then the retry with its task.
      const audit = await cluster.database.query<{
        door: string;
        actor: string;
        task_ids: unknown;
      }>(
        `SELECT door, actor, task_ids FROM operator_actions WHERE action = 'bulk_retry' ORDER BY created_at`,
      );
      expect(audit).toEqual([
        { door: 'api', actor: 'web-ops', task_ids: [] },
        { door: 'api', actor: 'web-ops', task_ids: [failed] },
      ]);

      const refused = await fetch(`${origin()}/api/admin/operations`, { headers: user });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: expect.any(String) } });
      const userPage = await open('/operations');
      await userPage.getByRole('alert').filter({ hasText: 'Not available' }).waitFor();
    },
  );
});
