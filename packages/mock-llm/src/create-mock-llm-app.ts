import { Hono } from 'hono';
import { anthropicRoutes } from './anthropic/anthropic-routes.js';
import { deepSeekDialect } from './deepseek/deepseek-dialect.js';
import { controlRoutes } from './http/control-routes.js';
import type { MockEnv } from './http/mock-env.js';
import type { RouteDeps } from './http/route-deps.js';
import { openAICompatibleRoutes } from './openai/openai-compatible-routes.js';
import { openAIDialect } from './openai/openai-dialect.js';

/**
 * The whole mock as a Hono app. Provider routes need the Node bindings (`c.env.outgoing`),
 * so serve it with `@hono/node-server`; `startMockLlm` does.
 *
 * Mounts: `/openai/v1`, `/anthropic/v1`, `/deepseek` and `/deepseek/v1`, the bare `/v1`
 * aliases (`/v1/chat/completions` and `/v1/models` are OpenAI, `/v1/messages` is Anthropic),
 * and the control plane under `/_mock`.
 */
export function createMockLlmApp(deps: RouteDeps): Hono<MockEnv> {
  const deepseek = openAICompatibleRoutes(deepSeekDialect, deps, { modelDetail: false });
  const app = new Hono<MockEnv>()
    .route('/openai/v1', openAICompatibleRoutes(openAIDialect, deps))
    .route('/anthropic/v1', anthropicRoutes(deps))
    .route('/deepseek', deepseek)
    .route('/deepseek/v1', deepseek)
    .route('/v1', openAICompatibleRoutes(openAIDialect, deps))
    .route('/v1', anthropicRoutes(deps, { models: false }))
    .route('/_mock', controlRoutes(deps));
  app.notFound((c) =>
    c.json(
      { error: { code: 'not_found', message: `No mock route for ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );
  // Never a stack trace to the client; the message is enough for a test to fail loudly.
  app.onError((error, c) =>
    c.json({ error: { code: 'internal_error', message: error.message } }, 500),
  );
  return app;
}
