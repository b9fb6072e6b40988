import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';

/** Paths that belong to the API: never answered with the app's page. */
const API_PATHS = /^\/(api|v1|admin|metrics|health)(\/|$)/;

/**
 * The built web app (apps/web/dist) under `/`: its hashed assets, cached for good, and
 * `index.html` for every other GET outside the API's paths (the app routes in the browser).
 * Unknown API paths fall through to the API's JSON 404.
 */
export function webAppRoutes(root: string) {
  const app = new Hono<AppEnv>();
  // Vite names assets by their content hash: a name never changes its content.
  app.use('/assets/*', async (c, next) => {
    c.header('cache-control', 'public, max-age=31536000, immutable');
    await next();
  });
  app.use('/assets/*', serveStatic({ root }));
  const page = serveStatic<AppEnv>({ root, path: 'index.html' });
  app.get('*', async (c, next) => {
    if (API_PATHS.test(c.req.path)) return next();
    // Always revalidated: it names the current build's assets.
    c.header('cache-control', 'no-cache');
    return page(c, next);
  });
  return app;
}

/** True when `root` holds a build to serve. */
export function hasWebApp(root: string | undefined): root is string {
  return root !== undefined && existsSync(join(root, 'index.html'));
}
