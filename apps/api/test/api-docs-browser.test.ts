import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from './harness/chromium.js';
import { startHttpApi, type HttpApi } from './harness/http-api.js';

describe('API docs in a browser', () => {
  let api: HttpApi;
  let userDataDir: string;
  let browser: BrowserContext;
  beforeAll(async () => {
    api = await startHttpApi();
    userDataDir = await mkdtemp(join(tmpdir(), 'aiq-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });
  afterAll(async () => {
    await browser.close();
    await rm(userDataDir, { recursive: true, force: true });
    await api.close();
  });

  // A browser start on a busy two-core CI machine can take a while.
  it(
    'should render the operations from local assets only, as with no internet',
    { timeout: 60_000 },
    async () => {
      const elsewhere: string[] = [];
      // No internet, whatever this machine has: anything not from the API fails, and is noted.
      await browser.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith(`${api.url}/`)) return route.continue();
        elsewhere.push(url);
        return route.abort('internetdisconnected');
      });
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));

      const response = await page.goto(`${api.url}/api/docs`);
      const operation = page.locator('.opblock-summary-path', { hasText: '/v1/chat/completions' });
      await operation.waitFor({ timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
      expect(await page.locator('.info .title').innerText()).toContain('aiq API');
      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]); // CSP violations among them
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    },
  );
});
