import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { reportError } from '@aiq/logger';
import type { ApiDeps } from './api-deps.js';
import { ApiError, renderError, renderNotFound } from './api-error.js';
import type { AppEnv } from './app-env.js';
import { dependencyOutage } from './dependency-unavailable.js';
import { authenticate } from './middleware/authenticate.js';
import { corsForBrowsers } from './middleware/cors-for-browsers.js';
import { closeOnUnreadBody } from './middleware/close-on-unread-body.js';
import { authenticateTaskStream } from './middleware/authenticate-task-stream.js';
import { rateLimit } from './middleware/rate-limit.js';
import { refuseCrossSite } from './middleware/refuse-cross-site.js';
import { refuseWhilePostgresDown } from './middleware/refuse-while-postgres-down.js';
import { requestLogger } from './middleware/request-logger.js';
import { adminNoticeRoutes } from './routes/admin-notice.js';
import { adminOperationsRoutes } from './routes/admin-operations.js';
import { adminProviderRoutes } from './routes/admin-providers.js';
import { aiRoutes } from './routes/ai.js';
import { apiDocsRoutes } from './routes/api-docs.js';
import { BULL_BOARD_PATH, bullBoardRoutes } from './routes/bull-board.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { openAICompatibleRoutes } from './routes/openai-compatible.js';
import { createPostgresOutageLatch } from './postgres-outage-latch.js';
import { statusRoutes } from './routes/status.js';
import { publicStatusCache, type PublicStatus } from './status/public-status.js';
import type { TtlCache } from './status/ttl-cache.js';
import { taskRoutes } from './routes/tasks.js';
import { hasWebApp, webAppRoutes } from './routes/web-app.js';
import { validationHook } from './validation-hook.js';

export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/api/docs';

/** Authentication and per-user limits, mounted before the routes they guard. */
function guard(app: OpenAPIHono<AppEnv>, deps: ApiDeps): void {
  const { config, database, redis } = deps;
  const apiKeys = authenticate({ database });
  app.use('/api/ai/*', apiKeys);
  app.use(
    '/api/tasks/*',
    authenticateTaskStream({ redis, prefix: config.redis.prefix, authenticate: apiKeys }),
  );
  app.use('/v1/*', apiKeys);
  app.use('/api/admin/*', authenticate({ database, requireRole: 'operator' }));
  app.use('/metrics', authenticate({ database, requireRole: 'operator' }));
  // Submissions only: polling and streaming must not eat the generation budget.
  const standard = rateLimit({
    redis,
    keyPrefix: `${config.redis.prefix}:ratelimit:standard`,
    points: config.rateLimits.standardPerMinute,
    onRejected: () => deps.metrics.countRateLimitRejection('standard'),
  });
  const expensive = rateLimit({
    redis,
    keyPrefix: `${config.redis.prefix}:ratelimit:expensive`,
    points: config.rateLimits.expensivePerMinute,
    onRejected: () => deps.metrics.countRateLimitRejection('expensive'),
  });
  app.on('POST', ['/api/ai/generate', '/v1/chat/completions'], standard);
  app.on('POST', ['/api/ai/background-task', '/api/ai/background-task/retry'], expensive);
  // An ensemble is a provider call per model: a budget of its own, apart from background tasks.
  const ensembles = rateLimit({
    redis,
    keyPrefix: `${config.redis.prefix}:ratelimit:ensemble`,
    points: config.rateLimits.ensemblePerMinute,
    onRejected: () => deps.metrics.countRateLimitRejection('ensemble'),
  });
  app.on('POST', '/api/ai/ensemble', ensembles);
  // Opening a stream (EventSource reconnects included) has its own budget; the number open at
  // once is capped by the stream itself (sse/stream-lease.ts).
  const streamOpens = rateLimit({
    redis,
    keyPrefix: `${config.redis.prefix}:ratelimit:stream-open`,
    points: config.sse.opensPerMinute,
    onRejected: () => deps.metrics.countRateLimitRejection('stream_open'),
  });
  app.on('GET', '/api/tasks/:id/events', streamOpens);
}

/** The routes a typed client calls; their types feed `hc<ApiRoutes>` in `@aiq/client`. */
function routes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, status: TtlCache<PublicStatus>) {
  return app
    .route('/api/ai', aiRoutes(deps))
    .route('/api/tasks', taskRoutes(deps))
    .route('/api/admin/providers', adminProviderRoutes(deps))
    .route('/api/admin/notice', adminNoticeRoutes(deps, status))
    .route('/api/admin', adminOperationsRoutes(deps))
    .route('/v1', openAICompatibleRoutes(deps));
}

/** The whole HTTP API as a pure factory: start-api.ts serves it, tests call `app.request()`. */
export function createApp(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(requestId());
  app.use(requestLogger({ logger: deps.logger }));
  app.use(closeOnUnreadBody());
  if (deps.config.api.corsOrigins.length > 0) {
    const allowOrigins = corsForBrowsers(deps.config.api.corsOrigins);
    app.use('/api/*', allowOrigins);
    app.use('/v1/*', allowOrigins);
  }
  const limitBody = bodyLimit({
    maxSize: deps.config.api.maxBodyBytes,
    onError: () => {
      throw new ApiError(
        413,
        'payload_too_large',
        `Request body exceeds ${deps.config.api.maxBodyBytes} bytes`,
      );
    },
  });
  app.use('/api/*', limitBody);
  app.use('/v1/*', limitBody);
  app.route('/api/health', healthRoutes(deps));
  // Public, like health: before the API-key middleware, and cached (status.ts).
  const status = publicStatusCache(deps);
  app.route('/api/status', statusRoutes(status));
  // Submissions and task reads need Postgres: while it is known down they answer 503 at once
  // (before the key check, which may need it too) instead of queueing behind a dead pool.
  const postgresOutage = createPostgresOutageLatch(() => deps.database.ping());
  const refuseIfPostgresDown = refuseWhilePostgresDown(postgresOutage);
  for (const path of ['/api/ai/*', '/api/tasks/*', '/v1/chat/*'])
    app.use(path, refuseIfPostgresDown);
  guard(app, deps);
  const api = routes(app, deps, status);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An aiq API key (`aiq_…`), from `pnpm aiq keys create --user <id>`',
  });
  // Built once, on first request: @hono/zod-openapi's `doc31` rebuilds it on every request
  // (6.5 ms of CPU each, on a public route).
  let openApiDocument: string | undefined;
  app.get(OPENAPI_PATH, (c) => {
    openApiDocument ??= JSON.stringify(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: { title: 'aiq API', version: '0.1.0', description: 'Durable AI generation jobs.' },
      }),
    );
    return c.body(openApiDocument, 200, { 'content-type': 'application/json' });
  });
  app.route(DOCS_PATH, apiDocsRoutes({ openApiPath: OPENAPI_PATH }));
  app.route('/metrics', metricsRoutes(deps));
  // Bull Board is for operators: an operator key, typed into the browser's prompt as password.
  // Browsers then send it with every request to this origin, so other sites must not post here.
  app.use(`${BULL_BOARD_PATH}/*`, refuseCrossSite());
  app.use(
    `${BULL_BOARD_PATH}/*`,
    authenticate({
      database: deps.database,
      requireRole: 'operator',
      browserPrompt: true,
    }),
  );
  app.route(
    BULL_BOARD_PATH,
    bullBoardRoutes(
      deps.queues,
      { ...deps, registry: deps.models },
      { readOnly: deps.config.api.bullBoardReadOnly },
    ),
  );
  // Last: the web app answers only what no route above did.
  if (hasWebApp(deps.webRoot)) app.route('/', webAppRoutes(deps.webRoot));
  app.notFound(renderNotFound);
  app.onError((error, c) => {
    const response = renderError(error, c);
    if (dependencyOutage(error) === 'postgres') postgresOutage.noteFailure();
    // 503 is a known dependency outage, logged as such; other 5xx are bugs worth a report.
    if (response.status >= 500 && response.status !== 503) {
      reportError(error, { method: c.req.method, route: c.req.routePath });
    }
    return response;
  });
  return api;
}

export type App = ReturnType<typeof createApp>;
/** The typed routes, for `hc<ApiRoutes>()` (`@aiq/client`). */
export type ApiRoutes = App;
