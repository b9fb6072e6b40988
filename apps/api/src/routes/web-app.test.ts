import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasWebApp, webAppRoutes } from './web-app.js';

describe('webAppRoutes', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'aiq-web-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<div id="root"></div>');
    await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('should answer the page for the app routes and the assets with a long cache', async () => {
    const app = webAppRoutes(root);
    for (const path of ['/', '/tasks', '/operations?x=1']) {
      const page = await app.request(path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(await page.text()).toBe('<div id="root"></div>');
    }
    const asset = await app.request('/assets/index-abc.js');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
  });

  it("should leave the API's paths to the API", async () => {
    const app = webAppRoutes(root);
    for (const path of ['/api/nothing', '/v1/nothing', '/admin/queues/x', '/metrics', '/health']) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it('should serve nothing without a build', () => {
    expect(hasWebApp(root)).toBe(true);
    expect(hasWebApp(join(root, 'missing'))).toBe(false);
    expect(hasWebApp(undefined)).toBe(false);
  });
});
