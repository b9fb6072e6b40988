import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCluster, type ApiCluster } from './harness/api-cluster.js';
import { launchChromium } from './harness/chromium.js';

// An operator on call, in Bull Board in a browser, on separate API and worker processes: a
// generation refused with a bad key lands in the dead-letter queue; the operator reads why and
// presses Retry on the entry; the user's task id completes.
describe('Bull Board in a browser', () => {
  let cluster: ApiCluster;
  let alice: Record<string, string>;
  let operatorKey: string;
  let browser: Browser;
  beforeAll(async () => {
    cluster = await startApiCluster({ env: { GENERATE_RETRY_ATTEMPTS: '1' } });
    alice = await cluster.keyFor('alice');
    const operator = await cluster.keyFor('ops', 'operator');
    operatorKey = (operator['authorization'] ?? '').replace(/^Bearer /, '');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    await cluster.close();
  });

  const api = () => cluster.apis[0] ?? '';

  async function task(taskId: string) {
    const response = await fetch(`${api()}/api/tasks/${taskId}`, { headers: alice });
    return (await response.json()) as Record<string, unknown>;
  }

  /** Bull Board's page, signed in as the operator with the Basic credentials it asks for. */
  async function board(path: string): Promise<Page> {
    const context = await browser.newContext({
      httpCredentials: { username: 'ops', password: operatorKey },
    });
    const page = await context.newPage();
    await page.goto(`${api()}/admin/queues${path}`);
    return page;
  }

  it(
    "should show a dead letter's attempts and errors, and finish its task when Retry is pressed",
    { timeout: 90_000 },
    async () => {
      cluster.mock.addScenario({ provider: 'openai', fault: 'invalid_key', count: 1 });
      const submitted = await fetch(`${api()}/api/ai/generate`, {
        method: 'POST',
        headers: { ...alice, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-5',
          prompt: 'Board [[mock tokens=3]]',
          stream: false,
          fallback: false,
        }),
      });
      expect(submitted.status).toBe(202);
      const { taskId } = (await submitted.json()) as { taskId: string };
      await expect
        .poll(() => task(taskId), { timeout: 15_000 })
        .toMatchObject({ status: 'failed' });

      const page = await board('/queue/dead-letter?status=completed');
      await page.getByText('auth after 1 attempt on generate-openai').waitFor({ timeout: 20_000 });
      const data = await page.locator('body').innerText();
      expect(data).toContain(`Task ${taskId} (run 0) failed for good on generate-openai`);
      expect(data).toMatch(/#1 \d{4}-\d\d-\d\dT[\d:.]+Z auth: openai 401: Incorrect API key/);
      expect(data).not.toContain('sk-test');

      // The entry's own Retry (an icon button: Bull Board gives it no accessible name).
      const retry = page.locator('button:has(svg.lucide-refresh-cw)');
      const entry = page.locator('div', { hasText: taskId }).filter({ has: retry }).last();
      await entry.locator(retry).click();
      const confirm = page.getByRole('alertdialog');
      expect(await confirm.innerText()).toContain('want to retry this job');
      await confirm.getByRole('button', { name: 'Confirm' }).click();
      await expect
        .poll(() => task(taskId), { timeout: 15_000 })
        .toMatchObject({
          status: 'completed',
          retryCount: 1,
        });
      const audit = await cluster.database.query(
        `SELECT action, door, actor FROM operator_actions WHERE task_ids @> $1::jsonb`,
        [JSON.stringify([taskId])],
      );
      expect(audit).toEqual([{ action: 'retry', door: 'bull_board', actor: 'ops' }]);
    },
  );
});
