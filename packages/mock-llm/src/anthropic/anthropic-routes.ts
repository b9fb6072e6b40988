import { Hono } from 'hono';
import { countPromptTokens } from '../generation/mock-text.js';
import { findMockModel, MOCK_MODELS, type MockModel } from '../generation/model-catalog.js';
import { authenticate } from '../http/authenticate.js';
import { handleGeneration } from '../http/handle-generation.js';
import type { MockEnv } from '../http/mock-env.js';
import { recordRequest } from '../http/record-request.js';
import type { RouteDeps } from '../http/route-deps.js';
import { sendError, sendJson } from '../http/send-error.js';
import { anthropicDialect } from './anthropic-dialect.js';
import {
  AnthropicCountTokensRequest,
  anthropicPromptMessages,
} from './anthropic-messages-request.js';

/** Options of {@link anthropicRoutes}. */
export type AnthropicRoutesOptions = {
  /** Serve `GET /models` too (off for the bare `/v1` alias, where OpenAI owns `/v1/models`). @defaultValue true */
  models?: boolean;
};

function toModel(model: MockModel) {
  return {
    type: 'model',
    id: model.id,
    display_name: model.displayName,
    created_at: model.releasedAt,
  };
}

/** `POST /messages`, `POST /messages/count_tokens`, `GET /models[/:id]`, to mount under `…/v1`. */
export function anthropicRoutes(
  deps: RouteDeps,
  { models = true }: AnthropicRoutesOptions = {},
): Hono<MockEnv> {
  const record = recordRequest({ provider: 'anthropic', log: deps.log });
  const auth = authenticate(anthropicDialect);
  const app = new Hono<MockEnv>()
    .post('/messages', record, auth, (c) => handleGeneration(c, anthropicDialect, deps))
    .post('/messages/count_tokens', record, auth, async (c) => {
      const entry = c.var.entry;
      let json: unknown;
      try {
        json = await c.req.json();
      } catch {
        return sendError(anthropicDialect, entry, { kind: 'invalid_json' });
      }
      entry.body = json;
      const parsed = AnthropicCountTokensRequest.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue?.path.map(String).join('.') ?? '';
        const message = issue?.message ?? 'Invalid request';
        return sendError(anthropicDialect, entry, {
          kind: 'invalid_body',
          path,
          message,
          missing: message.endsWith('received undefined'),
        });
      }
      entry.model = parsed.data.model;
      if (!findMockModel('anthropic', parsed.data.model)) {
        return sendError(anthropicDialect, entry, {
          kind: 'model_not_found',
          model: parsed.data.model,
        });
      }
      return sendJson(anthropicDialect, entry, {
        input_tokens: countPromptTokens(anthropicPromptMessages(parsed.data)),
      });
    });
  if (models) {
    const list = MOCK_MODELS.anthropic.map(toModel);
    app.get('/models', record, auth, (c) =>
      sendJson(anthropicDialect, c.var.entry, {
        data: list,
        has_more: false,
        first_id: list[0]?.id ?? null,
        last_id: list.at(-1)?.id ?? null,
      }),
    );
    app.get('/models/:id', record, auth, (c) => {
      const id = c.req.param('id');
      c.var.entry.model = id;
      const model = findMockModel('anthropic', id);
      if (!model)
        return sendError(anthropicDialect, c.var.entry, { kind: 'model_not_found', model: id });
      return sendJson(anthropicDialect, c.var.entry, toModel(model));
    });
  }
  return app;
}
