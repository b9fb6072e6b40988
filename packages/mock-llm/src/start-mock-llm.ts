import { createServer, Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { createMockLlmApp } from './create-mock-llm-app.js';
import type { Scenario, ScenarioSpec } from './fault-spec.js';
import { type RecordedRequest, type RequestFilter, RequestLog } from './request-log.js';
import { ScenarioStore } from './scenario-store.js';
import { type MockRateLimit, RateLimitWindows } from './http/rate-limit-windows.js';
import type { MockProvider } from './fault-spec.js';

/** Options of {@link startMockLlm}. */
export type MockLlmOptions = {
  /** Port to listen on; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Interface to bind. @defaultValue '127.0.0.1' */
  host?: string;
  /** Scripted rate limits per provider, from the start (see {@link MockLlmServer.setRateLimit}). */
  rateLimits?: Partial<Record<MockProvider, MockRateLimit>>;
};

/** SDK base URLs: pass them as `baseURL` to `openai`, `@anthropic-ai/sdk` and a DeepSeek client. */
export type MockLlmBaseUrls = {
  /** `${url}/openai/v1` */
  openai: string;
  /** `${url}/anthropic` (the SDK appends `/v1/messages`) */
  anthropic: string;
  /** `${url}/deepseek` */
  deepseek: string;
};

/** A running mock LLM server. */
export interface MockLlmServer {
  /** Root URL, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string;
  readonly baseUrls: MockLlmBaseUrls;
  /** Snapshot of the request log, oldest first. */
  requests(filter?: RequestFilter): RecordedRequest[];
  /**
   * Scripts a fault for coming generation requests.
   * @throws ZodError or FaultSyntaxError for an invalid spec
   */
  addScenario(spec: ScenarioSpec): Scenario;
  clearScenarios(): void;
  /**
   * Scripts a provider's rate limit, starting a fresh window now: requests over it get the
   * provider's 429, and every generation response reports its state in the provider's
   * rate-limit headers (`remainingRequests`/`remainingTokens` script a low count).
   * @throws ZodError for an invalid spec
   */
  setRateLimit(provider: MockProvider, spec: MockRateLimit): MockRateLimit;
  /** Removes every scripted rate limit (back to the fixed, roomy headers). */
  clearRateLimits(): void;
  clearRequests(): void;
  /** Stops listening and destroys every open connection, hanging ones included. Idempotent. */
  close(): Promise<void>;
}

/** The URL clients should use: a wildcard bind address is reached through loopback. */
function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/**
 * Starts the mock LLM server (OpenAI, Anthropic and DeepSeek wire formats with scripted
 * faults). Each call gets its own request log and scenarios.
 */
export async function startMockLlm({
  port = 0,
  host = '127.0.0.1',
  rateLimits: initialRateLimits = {},
}: MockLlmOptions = {}): Promise<MockLlmServer> {
  const log = new RequestLog();
  const scenarios = new ScenarioStore();
  const rateLimits = new RateLimitWindows();
  for (const [provider, spec] of Object.entries(initialRateLimits)) {
    rateLimits.set(provider as MockProvider, spec);
  }
  const app = createMockLlmApp({ log, scenarios, rateLimits });
  // overrideGlobalObjects: false keeps the global Request/Response intact for in-process SDK clients.
  const server = createAdaptorServer({
    fetch: app.fetch,
    createServer,
    overrideGlobalObjects: false,
  });
  if (!(server instanceof Server)) throw new Error('mock-llm: expected an HTTP/1.1 server');
  const boundPort = await listen(server, port, host);
  const url = `http://${clientHost(host)}:${boundPort}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    baseUrls: {
      openai: `${url}/openai/v1`,
      anthropic: `${url}/anthropic`,
      deepseek: `${url}/deepseek`,
    },
    requests: (filter) => log.list(filter),
    addScenario: (spec) => scenarios.add(spec),
    clearScenarios: () => {
      scenarios.clear();
    },
    clearRequests: () => log.clear(),
    setRateLimit: (provider, spec) => rateLimits.set(provider, spec),
    clearRateLimits: () => rateLimits.clear(),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // close() alone waits for open requests; a hanging request would never end.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
