import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../app-env.js';

/** Swagger UI's files, served from the installed `swagger-ui-dist`: no CDN, works offline. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const require = createRequire(import.meta.url);
const swaggerUiDirectory = dirname(require.resolve('swagger-ui-dist/package.json'));

function page(assets: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>aiq API</title>
    <link rel="icon" type="image/png" href="${assets}/favicon-32x32.png" />
    <link rel="stylesheet" href="${assets}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${assets}/swagger-ui-bundle.js"></script>
    <script src="${assets}/initialize.js"></script>
  </body>
</html>
`;
}

/** A file, not an inline script, so the CSP can forbid inline scripts altogether. */
function initializer(openApiPath: string): string {
  // validatorUrl null: Swagger UI would otherwise send the document to an online validator.
  const options = { url: openApiPath, dom_id: '#swagger-ui', validatorUrl: null };
  return `window.ui = SwaggerUIBundle(${JSON.stringify(options)});\n`;
}

/**
 * The API reference page (Swagger UI) and its assets, under a Content-Security-Policy that only
 * lets the page load from, and talk to, this origin. Swagger UI sets inline `style`
 * attributes, hence `'unsafe-inline'` for styles (never for scripts).
 */
export function apiDocsRoutes({ openApiPath }: { openApiPath: string }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  app.get('/', (c) => c.html(page(`${c.req.path.replace(/\/$/, '')}/assets`)));
  app.get('/assets/initialize.js', (c) =>
    c.body(initializer(openApiPath), 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    // Own keys only: `__proto__` or `constructor` must not name a file to read.
    const contentType = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (contentType === undefined) return c.notFound();
    let content = cache.get(name);
    if (content === undefined) {
      content = new Uint8Array(await readFile(join(swaggerUiDirectory, name)));
      cache.set(name, content);
    }
    return c.body(content, 200, {
      'Content-Type': contentType,
      'Cache-Control': 'public, max-age=3600',
    });
  });
  return app;
}
