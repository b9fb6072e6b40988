import { randomUUID } from 'node:crypto';
import { mockTokens, promptSeed, startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generate } from '../generate.js';
import type { GenerateRequest, Provider, ProviderName } from '../provider.js';
import { callOptions, collectStream, errorOf } from './collect-events.js';
import { FAULT_EXPECTATIONS } from './fault-expectations.js';
import { expectAbortClosesRequest, expectKeyAbsent } from './contract-assertions.js';

/** What an adapter's test passes to {@link runProviderContract}. */
export interface ProviderContractOptions {
  readonly name: ProviderName;
  /** Builds the adapter under test against `baseURL` with `apiKey`. */
  readonly createProvider: (options: { baseURL: string; apiKey: string }) => Provider;
  /** A model id the mock serves for this provider. */
  readonly model: string;
}

/** Shared state of one contract run; getters because the mock starts in `beforeAll`. */
interface ContractContext extends ProviderContractOptions {
  readonly apiKey: string;
  mock(): MockLlmServer;
  provider(): Provider;
  prompt(text?: string): GenerateRequest;
  /** Scripts `spec` (mock-llm fault grammar) for the next request to this provider. */
  fault(spec: string): void;
}

function describeStreaming(context: ContractContext): void {
  it('should stream every token in order, then usage, then one finish', async () => {
    const text = `Tokens in order ${randomUUID()}`;
    context.fault('tokens=12');
    const collected = await collectStream(context.provider(), context.prompt(text), callOptions());
    expect(collected.text).toBe(mockTokens(promptSeed([{ role: 'user', text }]), 12).join(''));
    expect(collected.events[0]).toMatchObject({ type: 'response-start' });
    // DeepSeek documents no request-id header; OpenAI and Anthropic always send one.
    const start = collected.events[0];
    if (context.name !== 'deepseek' && start?.type === 'response-start') {
      expect(typeof start.requestId).toBe('string');
    }
    expect(
      collected.events.filter((event) => event.type === 'finish' || event.type === 'error'),
    ).toHaveLength(1);
    expect(collected.events.at(-2)).toMatchObject({ type: 'usage', outputTokens: 12 });
    expect(collected.terminal).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'stop' },
    });
    const [request] = context.mock().requests({ provider: context.name });
    expect(request).toMatchObject({ model: context.model, stream: true });
  });

  it('should report a length stop as a finish, not an error', async () => {
    context.fault('tokens=50');
    const collected = await collectStream(
      context.provider(),
      { ...context.prompt(), maxOutputTokens: 7 },
      callOptions(),
    );
    expect(collected.terminal).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'length' },
    });
    expect(collected.text.length).toBeGreaterThan(0);
  });

  it('should hand the response headers to onResponseHeaders on success and on a 429', async () => {
    const seen: Headers[] = [];
    const options = {
      ...callOptions(),
      onResponseHeaders: (headers: Headers) => seen.push(headers),
    };
    context.fault('tokens=3');
    await collectStream(context.provider(), context.prompt(), options);
    context.fault('rate_limit retry_after=1');
    const limited = await collectStream(context.provider(), context.prompt(), options);
    expect(limited.terminal).toMatchObject({ type: 'error', error: { kind: 'rate_limited' } });
    expect(seen).toHaveLength(2);
    // The mock sends each provider's documented rate-limit headers (DeepSeek documents none).
    const remaining =
      context.name === 'anthropic'
        ? 'anthropic-ratelimit-requests-remaining'
        : 'x-ratelimit-remaining-requests';
    if (context.name !== 'deepseek') {
      expect(Number(seen[0]?.get(remaining))).toBeGreaterThan(0);
      expect(seen[1]?.get(remaining)).toBe('0');
    }
  });

  it('should collect the same answer through generate()', async () => {
    const text = `generate ${randomUUID()}`;
    context.fault('tokens=9');
    const result = await generate(context.provider(), context.prompt(text), callOptions());
    expect(result.text).toBe(mockTokens(promptSeed([{ role: 'user', text }]), 9).join(''));
    expect(result.finishReason.unified).toBe('stop');
    expect(result.usage?.outputTokens).toBe(9);
  });
}

function describeFaults(context: ContractContext): void {
  for (const expected of FAULT_EXPECTATIONS) {
    if (expected.only !== undefined && !expected.only.includes(context.name)) continue;
    it(`should map "${expected.fault}" to ${expected.kinds.join(' or ')}`, async () => {
      context.fault(expected.fault);
      const collected = await collectStream(context.provider(), context.prompt(), callOptions());
      const error = errorOf(collected);
      expect(expected.kinds).toContain(error.kind);
      expect(error.retryable).toBe(expected.retryable);
      expect(error.provider).toBe(context.name);
      if (expected.retryAfterMs === 'some') expect(error.retryAfterMs).toBeGreaterThan(0);
      else expect(error.retryAfterMs).toBe(expected.retryAfterMs);
      if (expected.midStream) expect(collected.partialTextLength).toBeGreaterThan(0);
      else expect(collected.partialTextLength).toBe(0);
      expectKeyAbsent(error, context.apiKey);
    });
  }
}

function describeCredentials(context: ContractContext): void {
  it('should map an invalid key to auth and never repeat the key', async () => {
    const invalidKey = `invalid-${randomUUID()}`;
    const rejected = context.createProvider({
      baseURL: context.mock().baseUrls[context.name],
      apiKey: invalidKey,
    });
    const error = errorOf(await collectStream(rejected, context.prompt(), callOptions()));
    expect(error).toMatchObject({ kind: 'auth', retryable: false, status: 401 });
    expectKeyAbsent(error, invalidKey);
  });

  it('should map a refused connection to network and never repeat the key', async () => {
    const unreachable = context.createProvider({
      baseURL: 'http://127.0.0.1:9/v1',
      apiKey: context.apiKey,
    });
    const error = errorOf(await collectStream(unreachable, context.prompt(), callOptions()));
    expect(error).toMatchObject({ kind: 'network', retryable: true });
    expectKeyAbsent(error, context.apiKey);
  });
}

function describeDeadlinesAndAborts(context: ContractContext): void {
  it('should end with timeout when the deadline passes before the first token', async () => {
    context.fault('hang after=0');
    const deadlineAt = Date.now() + 300;
    const collected = await collectStream(context.provider(), context.prompt(), {
      signal: new AbortController().signal,
      deadlineAt,
    });
    expect(errorOf(collected)).toMatchObject({ kind: 'timeout', retryable: true });
    expect(collected.partialTextLength).toBe(0);
    await expectAbortClosesRequest(context.mock(), context.name, deadlineAt);
  });

  it('should end with timeout and the partial length when the deadline passes mid-stream', async () => {
    context.fault('hang after=4');
    const deadlineAt = Date.now() + 400;
    const collected = await collectStream(context.provider(), context.prompt(), {
      signal: new AbortController().signal,
      deadlineAt,
    });
    expect(errorOf(collected).kind).toBe('timeout');
    expect(collected.partialTextLength).toBeGreaterThan(0);
  });

  it('should end with cancelled and close the HTTP request within 100 ms of abort', async () => {
    context.fault('tokens=400 delay=20');
    const controller = new AbortController();
    let abortedAt = 0;
    const events = [];
    for await (const event of context
      .provider()
      .stream(context.prompt(), callOptions(10_000, controller.signal))) {
      events.push(event);
      if (event.type === 'text-delta' && abortedAt === 0) {
        abortedAt = Date.now();
        controller.abort();
      }
    }
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      error: { kind: 'cancelled', retryable: false },
    });
    await expectAbortClosesRequest(context.mock(), context.name, abortedAt);
  });

  it('should close the HTTP request when the consumer stops early', async () => {
    context.fault('tokens=400 delay=20');
    let stoppedAt = 0;
    for await (const event of context.provider().stream(context.prompt(), callOptions())) {
      if (event.type === 'text-delta') {
        stoppedAt = Date.now();
        break;
      }
    }
    await expectAbortClosesRequest(context.mock(), context.name, stoppedAt);
  });

  it('should not call the provider when already aborted or past the deadline', async () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(
      errorOf(
        await collectStream(
          context.provider(),
          context.prompt(),
          callOptions(10_000, aborted.signal),
        ),
      ).kind,
    ).toBe('cancelled');
    const late = { signal: new AbortController().signal, deadlineAt: Date.now() - 1 };
    expect(errorOf(await collectStream(context.provider(), context.prompt(), late)).kind).toBe(
      'timeout',
    );
    expect(context.mock().requests({ provider: context.name })).toHaveLength(0);
  });
}

/**
 * The contract every adapter must keep, run against the real mock-llm server over HTTP (house
 * style R14, like Hono's `common.case.test.ts`): ordered tokens, one terminal event, each fault
 * mapped to its normalized error, deadline and abort behaviour, and no key in any error.
 */
export function runProviderContract(options: ProviderContractOptions): void {
  const { name, createProvider, model } = options;
  describe(`${name} provider contract`, () => {
    let mock: MockLlmServer | undefined;
    let provider: Provider | undefined;
    const apiKey = `sk-test-${randomUUID()}`;
    const running = () => {
      if (mock === undefined || provider === undefined) throw new Error('mock-llm is not running');
      return { mock, provider };
    };
    const context: ContractContext = {
      ...options,
      apiKey,
      mock: () => running().mock,
      provider: () => running().provider,
      prompt: (text = 'Write one line about queues.') => ({
        model,
        messages: [{ role: 'user', content: text }],
        maxOutputTokens: 256,
      }),
      fault: (spec) => {
        running().mock.addScenario({ provider: name, fault: spec, count: 1 });
      },
    };

    beforeAll(async () => {
      mock = await startMockLlm();
      provider = createProvider({ baseURL: mock.baseUrls[name], apiKey });
    });
    afterAll(() => mock?.close());
    beforeEach(() => {
      running().mock.clearScenarios();
      running().mock.clearRequests();
    });

    describeStreaming(context);
    describeFaults(context);
    describeCredentials(context);
    describeDeadlinesAndAborts(context);
  });
}
