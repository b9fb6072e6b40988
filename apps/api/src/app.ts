import { swaggerUI } from '@hono/swagger-ui';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { ApiDeps } from './api-deps.js';
import { ApiError, renderError, renderNotFound } from './api-error.js';
import type { AppEnv } from './app-env.js';
import { authenticate } from './middleware/authenticate.js';
import { requestLogger } from './middleware/request-logger.js';
import { BULL_BOARD_PATH, bullBoardRoutes } from './routes/bull-board.js';
import { healthRoutes } from './routes/health.js';

export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/api/docs';

/** The whole HTTP API as a pure factory: main.ts serves it, tests call `app.request()`. */
export function createApp(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.use(requestId());
  app.use(requestLogger({ logger: deps.logger }));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: deps.config.api.maxBodyBytes,
      onError: () => {
        throw new ApiError(
          413,
          'payload_too_large',
          `Request body exceeds ${deps.config.api.maxBodyBytes} bytes`,
        );
      },
    }),
  );
  app.route('/api/health', healthRoutes(deps));
  app.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: { title: 'aiq API', version: '0.1.0', description: 'Durable AI generation jobs.' },
  });
  app.get(DOCS_PATH, swaggerUI({ url: OPENAPI_PATH }));
  // Bull Board is for operators: an operator key, typed into the browser's prompt as password.
  app.use(
    `${BULL_BOARD_PATH}/*`,
    authenticate({
      config: deps.config,
      database: deps.database,
      requireRole: 'operator',
      browserPrompt: true,
    }),
  );
  app.route(BULL_BOARD_PATH, bullBoardRoutes(deps.queues));
  app.notFound(renderNotFound);
  app.onError(renderError);
  return app;
}

export type App = ReturnType<typeof createApp>;
