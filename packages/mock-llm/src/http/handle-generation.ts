import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import type { FaultSpec, MockProvider } from '../fault-spec.js';
import { faultToMockError, type MockError } from '../generation/mock-error.js';
import { countPromptTokens, promptSeed } from '../generation/mock-text.js';
import { contextWindowOf, findMockModel } from '../generation/model-catalog.js';
import { planGeneration } from '../generation/plan-generation.js';
import {
  extractDirectives,
  FaultSyntaxError,
  parseFaultSpec,
  stripDirectives,
} from '../parse-fault-spec.js';
import type { ScenarioStore } from '../scenario-store.js';
import type { RateLimitWindows } from './rate-limit-windows.js';
import type { MockEnv } from './mock-env.js';
import { untilClosed } from './pause.js';
import type { GenerationRequest, ProviderDialect } from './provider-dialect.js';
import { respondJson, respondStream } from './respond-generation.js';
import { sendError } from './send-error.js';

/** What the generation routes share across requests. */
export type GenerationDeps = { scenarios: ScenarioStore; rateLimits: RateLimitWindows };

type Outcome<T> = { ok: true; value: T } | { ok: false; error: MockError };

/** Parses the JSON body and validates it with the dialect's schema. */
async function readRequest<T>(
  c: Context<MockEnv>,
  dialect: ProviderDialect<T>,
): Promise<Outcome<T>> {
  let json: unknown;
  try {
    json = JSON.parse(await c.req.text());
  } catch {
    return { ok: false, error: { kind: 'invalid_json' } };
  }
  c.var.entry.body = json;
  const result = dialect.schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  const message = issue?.message ?? 'Invalid request';
  return {
    ok: false,
    error: { kind: 'invalid_body', path, message, missing: message.endsWith('received undefined') },
  };
}

/**
 * Merges the fault sources, most specific last: scenario, then the directive in the last
 * user message, then the `x-mock-fault` header. A scenario use is consumed only once the
 * directive and header parsed, so a typo does not eat a scripted failure.
 */
function resolveFault(
  header: string | undefined,
  lastUserText: string,
  provider: MockProvider,
  scenarios: ScenarioStore,
): Outcome<FaultSpec | undefined> {
  try {
    const directive = extractDirectives(lastUserText).spec;
    const fromHeader = header === undefined ? undefined : parseFaultSpec(header);
    const scenario = scenarios.take(provider);
    if (!scenario && !directive && !fromHeader) return { ok: true, value: undefined };
    return { ok: true, value: { ...scenario, ...directive, ...fromHeader } };
  } catch (error) {
    if (!(error instanceof FaultSyntaxError)) throw error;
    return { ok: false, error: { kind: 'bad_directive', message: error.message } };
  }
}

/** Checks the model and the context window; returns the error a real provider would send. */
function checkLimits(
  provider: MockProvider,
  request: GenerationRequest,
  fault: FaultSpec | undefined,
  promptTokens: number,
): MockError | undefined {
  if (!fault?.anyModel && !findMockModel(provider, request.model)) {
    return { kind: 'model_not_found', model: request.model };
  }
  const limit = contextWindowOf(provider, request.model);
  if (promptTokens + (request.maxTokens ?? 0) > limit) {
    return { kind: 'context_length', promptTokens, maxTokens: request.maxTokens, limit };
  }
  return undefined;
}

/**
 * The chat-completions / messages handler shared by all providers: validate, resolve the
 * fault, answer with an error, hang, or plan the tokens and hand over to the renderer.
 */
export async function handleGeneration<T>(
  c: Context<MockEnv>,
  dialect: ProviderDialect<T>,
  { scenarios, rateLimits }: GenerationDeps,
): Promise<Response> {
  const entry = c.var.entry;
  const body = await readRequest(c, dialect);
  if (!body.ok) return sendError(dialect, entry, body.error);
  const request = dialect.describe(body.value);
  entry.model = request.model;
  entry.stream = request.stream;

  const header = c.req.header('x-mock-fault');
  const resolved = resolveFault(header, request.lastUserText, dialect.provider, scenarios);
  if (!resolved.ok) return sendError(dialect, entry, resolved.error);
  const fault = resolved.value;
  entry.fault = fault ?? null;

  const messages = request.messages.map((message) => ({
    ...message,
    text: stripDirectives(message.text),
  }));
  const promptTokens = countPromptTokens(messages);
  const limitError = checkLimits(dialect.provider, request, fault, promptTokens);
  if (limitError) return sendError(dialect, entry, limitError, fault);

  // A scripted rate limit: every response reports it; a request over it gets the 429.
  const rate = rateLimits.take(dialect.provider, promptTokens + (request.maxTokens ?? 0));
  entry.rateLimit = rate ?? null;
  if (rate?.limited) {
    const resetMs = Math.max(rate.requests?.resetMs ?? 0, rate.tokens?.resetMs ?? 0);
    const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
    return sendError(dialect, entry, { kind: 'rate_limit', model: request.model, retryAfter });
  }

  const faultError =
    fault &&
    faultToMockError(fault, {
      model: request.model,
      key: dialect.apiKey(c.req.raw.headers),
      promptTokens,
      maxTokens: request.maxTokens,
      contextWindow: contextWindowOf(dialect.provider, request.model),
    });
  if (faultError) return sendError(dialect, entry, faultError, fault);

  if (fault?.fault === 'hang' && fault.after === undefined) {
    // Accept the request and never answer; only the client (or close()) ends it.
    await untilClosed(c.var.closed);
    return RESPONSE_ALREADY_SENT;
  }

  const plan = planGeneration({
    seed: promptSeed(messages),
    promptTokens,
    maxTokens: request.maxTokens,
    fault,
  });
  const produced = plan.streamFault ? plan.streamFault.after : plan.tokens.length;
  entry.chargedTokens = { prompt: plan.promptTokens, completion: produced };
  const context = {
    entry,
    request,
    plan,
    responseId: dialect.newResponseId(),
    created: Math.floor(Date.now() / 1000),
  };
  return request.stream ? respondStream(c, dialect, context) : respondJson(c, dialect, context);
}
