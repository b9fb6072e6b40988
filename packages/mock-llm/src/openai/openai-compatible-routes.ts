import { Hono } from 'hono';
import { findMockModel, MOCK_MODELS, type MockModel } from '../generation/model-catalog.js';
import { authenticate } from '../http/authenticate.js';
import { handleGeneration } from '../http/handle-generation.js';
import type { MockEnv } from '../http/mock-env.js';
import type { ProviderDialect } from '../http/provider-dialect.js';
import { recordRequest } from '../http/record-request.js';
import type { RouteDeps } from '../http/route-deps.js';
import { sendError, sendJson } from '../http/send-error.js';
import type { OpenAIChatRequest } from './openai-chat-request.js';

/** Options of {@link openAICompatibleRoutes}. */
export type OpenAICompatibleRoutesOptions = {
  /** Serve `GET /models/:id` (OpenAI does; DeepSeek documents only the list). @defaultValue true */
  modelDetail?: boolean;
};

/**
 * `POST /chat/completions`, `GET /models` and `GET /models/:id` in the OpenAI format; used for
 * OpenAI and, with its own dialect, DeepSeek. Each route logs and authenticates itself, so
 * two providers can share a mount point (`/v1`) without logging each other's requests.
 */
export function openAICompatibleRoutes(
  dialect: ProviderDialect<OpenAIChatRequest>,
  deps: RouteDeps,
  { modelDetail = true }: OpenAICompatibleRoutesOptions = {},
): Hono<MockEnv> {
  const record = recordRequest({ provider: dialect.provider, log: deps.log });
  const auth = authenticate(dialect);
  const ownedBy = dialect.provider === 'deepseek' ? 'deepseek' : 'system';
  const toModel = (model: MockModel) => ({
    id: model.id,
    object: 'model',
    created: Math.floor(Date.parse(model.releasedAt) / 1000),
    owned_by: ownedBy,
  });

  const app = new Hono<MockEnv>()
    .post('/chat/completions', record, auth, (c) => handleGeneration(c, dialect, deps))
    .get('/models', record, auth, (c) =>
      sendJson(dialect, c.var.entry, {
        object: 'list',
        data: MOCK_MODELS[dialect.provider].map(toModel),
      }),
    );
  if (modelDetail) {
    app.get('/models/:id', record, auth, (c) => {
      const id = c.req.param('id');
      c.var.entry.model = id;
      const model = findMockModel(dialect.provider, id);
      if (!model) return sendError(dialect, c.var.entry, { kind: 'model_not_found', model: id });
      return sendJson(dialect, c.var.entry, toModel(model));
    });
  }
  return app;
}
