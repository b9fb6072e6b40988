import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import type { ApiDeps } from '../api-deps.js';
import { ApiError } from '../api-error.js';
import type { AppEnv } from '../app-env.js';
import { collectCompletion } from '../openai/collect-completion.js';
import { toChatMessages } from '../openai/openai-wire.js';
import { completionFrames } from '../openai/completion-frames.js';
import {
  ChatCompletion,
  ChatCompletionRequest,
  ModelList,
  OpenAIErrorResponse,
} from '../schemas/openai-schemas.js';
import { CompletionHeaders } from '../schemas/ai-schemas.js';
import { acceptedWork } from '../middleware/rate-limit.js';
import { followTaskEvents } from '../sse/follow-task-events.js';
import { sseResponse } from '../sse/sse-response.js';
import { submitGeneration } from '../submission/submit-generation.js';
import { cancelOnDisconnect } from '../tasks/cancel-on-disconnect.js';
import { validationHook } from '../validation-hook.js';

const security = [{ bearerAuth: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  400: json(OpenAIErrorResponse, 'Invalid request'),
  401: json(OpenAIErrorResponse, 'Missing or invalid API key'),
  404: json(OpenAIErrorResponse, 'Unknown model'),
  429: json(OpenAIErrorResponse, 'Rate limited'),
  503: json(OpenAIErrorResponse, 'Redis or Postgres unreachable'),
} as const;

const completions = createRoute({
  method: 'post',
  path: '/chat/completions',
  summary: 'OpenAI-compatible chat completion (plain or stream), run through the durable queue',
  security,
  request: {
    body: { required: true, content: { 'application/json': { schema: ChatCompletionRequest } } },
    headers: CompletionHeaders,
  },
  responses: {
    200: {
      description: 'A chat.completion, or chat.completion.chunk events then [DONE]',
      content: {
        'application/json': { schema: ChatCompletion },
        'text/event-stream': { schema: ChatCompletion },
      },
    },
    ...errors,
  },
});

const models = createRoute({
  method: 'get',
  path: '/models',
  summary: 'OpenAI-compatible model list',
  security,
  responses: { 200: json(ModelList, 'The models aiq accepts'), 401: errors[401] },
});

/** The response cache choice: the `X-Aiq-Cache` header wins over the body's `cache`. */
function cacheOf(header: 'true' | 'false' | undefined, field: boolean | null | undefined) {
  if (header !== undefined) return header === 'true';
  return field ?? undefined;
}

/**
 * `/v1`: the OpenAI wire format over aiq's queue, so OpenAI client libraries get retries,
 * fallback and telemetry with `baseURL = ${api}/v1`. Nobody can resume these streams, so a
 * client that leaves before the end cancels its task, as it would stop an OpenAI generation.
 */
export function openAICompatibleRoutes(deps: ApiDeps) {
  const prefix = deps.config.redis.prefix;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(completions, async (c) => {
      const request = c.req.valid('json');
      if (!deps.models.has(request.model)) {
        const known = deps.models.list().map((model) => model.id);
        throw new ApiError(
          404,
          'model_not_found',
          `The model \`${request.model}\` does not exist. Known models: ${known.join(', ')}`,
        );
      }
      const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
      const task = await submitGeneration(deps, {
        userId: c.var.user.id,
        model: request.model,
        messages: toChatMessages(request.messages),
        maxTokens,
        temperature: request.temperature ?? undefined,
        cache: cacheOf(c.req.valid('header')['x-aiq-cache'], request.cache),
        idempotencyKey: c.req.header('idempotency-key'),
      });
      acceptedWork(c);
      await deps.fanOut.ready();
      const controller = new AbortController();
      let finished = false;
      // The stream keeps the logger, not the request's context (issue 14: memory per stream).
      const logger = c.var.logger;
      // Both the request's signal and a stream's abort report one departure: cancel once.
      const leave = async () => {
        if (controller.signal.aborted) return;
        controller.abort();
        if (!finished) await cancelOnDisconnect(deps, task.taskId, logger);
      };
      const events = followTaskEvents(
        { ...deps, prefix },
        {
          taskId: task.taskId,
          afterSequence: 0,
          heartbeatMs: deps.sse.heartbeatMs,
          signal: controller.signal,
        },
      );
      c.header('X-Task-Id', task.taskId);
      // A client that left while the task was submitted is gone before any listener is added.
      if (c.req.raw.signal.aborted) await leave();
      else c.req.raw.signal.addEventListener('abort', () => void leave(), { once: true });
      if (request.stream === true) {
        const frames = completionFrames(events, {
          taskId: task.taskId,
          model: task.model,
          includeUsage: request.stream_options?.include_usage === true,
          // The client is told to retry: cancel first, so the two runs never overlap.
          onReset: () =>
            cancelOnDisconnect(
              deps,
              task.taskId,
              logger,
              'the stream was reset mid-answer; the client was told to retry',
            ),
        });
        return sseResponse(
          c,
          (async function* () {
            try {
              yield* frames;
              finished = true;
            } catch (error) {
              // Redis went away mid-answer: end the stream (there is no resume on this wire).
              logger.warn({ err: (error as Error).message, taskId: task.taskId }, 'stream failed');
            }
          })(),
          { onCancel: leave },
        );
      }
      try {
        return c.json(await collectCompletion(task.taskId, events), 200);
      } finally {
        finished = true;
      }
    })
    .openapi(models, (c) =>
      c.json(
        {
          object: 'list' as const,
          data: deps.models.list().map((model) => {
            const lifecycle = deps.models.lifecycle(model);
            return {
              id: model.id,
              object: 'model' as const,
              created: 0,
              owned_by: model.provider,
              deprecated: lifecycle !== 'active',
              lifecycle,
              end_of_life_date: model.endOfLifeAt ?? null,
              replacement: model.replacement ?? null,
            };
          }),
        },
        200,
      ),
    );
}
