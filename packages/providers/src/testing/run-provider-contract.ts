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

/**
 * The contract every adapter must keep, run against the real mock-llm server over HTTP (house
 * style R14, like Hono's `common.case.test.ts`): ordered tokens, one terminal event, each fault
 * mapped to its normalized error, deadline and abort behaviour, and no key in any error.
 */
export function runProviderContract({
  name,
  createProvider,
  model,
}: ProviderContractOptions): void {
  describe(`${name} provider contract`, () => {
    let mock: MockLlmServer;
    let provider: Provider;
    const apiKey = `sk-test-${randomUUID()}`;
    const prompt = (text = 'Write one line about queues.'): GenerateRequest => ({
      model,
      messages: [{ role: 'user', content: text }],
      maxOutputTokens: 256,
    });
    const fault = (spec: string) => mock.addScenario({ provider: name, fault: spec, count: 1 });

    beforeAll(async () => {
      mock = await startMockLlm();
      provider = createProvider({ baseURL: mock.baseUrls[name], apiKey });
    });
    afterAll(() => mock.close());
    beforeEach(() => {
      mock.clearScenarios();
      mock.clearRequests();
    });

    it('should stream every token in order, then usage, then one finish', async () => {
      const text = `Tokens in order ${randomUUID()}`;
      fault('tokens=12');
      const collected = await collectStream(provider, prompt(text), callOptions());
      expect(collected.text).toBe(mockTokens(promptSeed([{ role: 'user', text }]), 12).join(''));
      expect(collected.events[0]).toMatchObject({ type: 'response-start' });
      // DeepSeek documents no request-id header; OpenAI and Anthropic always send one.
      const start = collected.events[0];
      if (name !== 'deepseek' && start?.type === 'response-start') {
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
      const [request] = mock.requests({ provider: name });
      expect(request).toMatchObject({ model, stream: true });
    });

    it('should report a length stop as a finish, not an error', async () => {
      fault('tokens=50');
      const collected = await collectStream(
        provider,
        { ...prompt(), maxOutputTokens: 7 },
        callOptions(),
      );
      expect(collected.terminal).toMatchObject({
        type: 'finish',
        finishReason: { unified: 'length' },
      });
      expect(collected.text.length).toBeGreaterThan(0);
    });

    it('should collect the same answer through generate()', async () => {
      const text = `generate ${randomUUID()}`;
      fault('tokens=9');
      const result = await generate(provider, prompt(text), callOptions());
      expect(result.text).toBe(mockTokens(promptSeed([{ role: 'user', text }]), 9).join(''));
      expect(result.finishReason.unified).toBe('stop');
      expect(result.usage?.outputTokens).toBe(9);
    });

    for (const expected of FAULT_EXPECTATIONS) {
      if (expected.only !== undefined && !expected.only.includes(name)) continue;
      it(`should map "${expected.fault}" to ${expected.kinds.join(' or ')}`, async () => {
        fault(expected.fault);
        const collected = await collectStream(provider, prompt(), callOptions());
        const error = errorOf(collected);
        expect(expected.kinds).toContain(error.kind);
        expect(error.retryable).toBe(expected.retryable);
        expect(error.provider).toBe(name);
        if (expected.retryAfterMs === 'some') expect(error.retryAfterMs).toBeGreaterThan(0);
        else expect(error.retryAfterMs).toBe(expected.retryAfterMs);
        if (expected.midStream) expect(collected.partialTextLength).toBeGreaterThan(0);
        else expect(collected.partialTextLength).toBe(0);
        expectKeyAbsent(error, apiKey);
      });
    }

    it('should map an invalid key to auth and never repeat the key', async () => {
      const invalidKey = `invalid-${randomUUID()}`;
      const rejected = createProvider({ baseURL: mock.baseUrls[name], apiKey: invalidKey });
      const error = errorOf(await collectStream(rejected, prompt(), callOptions()));
      expect(error).toMatchObject({ kind: 'auth', retryable: false, status: 401 });
      expectKeyAbsent(error, invalidKey);
    });

    it('should map a refused connection to network and never repeat the key', async () => {
      const unreachable = createProvider({ baseURL: 'http://127.0.0.1:9/v1', apiKey });
      const error = errorOf(await collectStream(unreachable, prompt(), callOptions()));
      expect(error).toMatchObject({ kind: 'network', retryable: true });
      expectKeyAbsent(error, apiKey);
    });

    it('should end with timeout when the deadline passes before the first token', async () => {
      fault('hang after=0');
      const deadlineAt = Date.now() + 300;
      const collected = await collectStream(provider, prompt(), {
        signal: new AbortController().signal,
        deadlineAt,
      });
      expect(errorOf(collected)).toMatchObject({ kind: 'timeout', retryable: true });
      expect(collected.partialTextLength).toBe(0);
      await expectAbortClosesRequest(mock, name, deadlineAt);
    });

    it('should end with timeout and the partial length when the deadline passes mid-stream', async () => {
      fault('hang after=4');
      const deadlineAt = Date.now() + 400;
      const collected = await collectStream(provider, prompt(), {
        signal: new AbortController().signal,
        deadlineAt,
      });
      expect(errorOf(collected).kind).toBe('timeout');
      expect(collected.partialTextLength).toBeGreaterThan(0);
    });

    it('should end with cancelled and close the HTTP request within 100 ms of abort', async () => {
      fault('tokens=400 delay=20');
      const controller = new AbortController();
      let abortedAt = 0;
      const events = [];
      for await (const event of provider.stream(prompt(), callOptions(10_000, controller.signal))) {
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
      await expectAbortClosesRequest(mock, name, abortedAt);
    });

    it('should close the HTTP request when the consumer stops early', async () => {
      fault('tokens=400 delay=20');
      let stoppedAt = 0;
      for await (const event of provider.stream(prompt(), callOptions())) {
        if (event.type === 'text-delta') {
          stoppedAt = Date.now();
          break;
        }
      }
      await expectAbortClosesRequest(mock, name, stoppedAt);
    });

    it('should not call the provider when already aborted or past the deadline', async () => {
      const aborted = new AbortController();
      aborted.abort();
      expect(
        errorOf(await collectStream(provider, prompt(), callOptions(10_000, aborted.signal))).kind,
      ).toBe('cancelled');
      const late = { signal: new AbortController().signal, deadlineAt: Date.now() - 1 };
      expect(errorOf(await collectStream(provider, prompt(), late)).kind).toBe('timeout');
      expect(mock.requests({ provider: name })).toHaveLength(0);
    });
  });
}
