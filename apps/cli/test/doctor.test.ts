import { startMockLlm, type MockLlmServer } from '@aiq/mock-llm';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCliServices, type CliServices } from './harness/cli-services.js';
import { runCli } from './harness/run-cli.js';
import { seedRequests } from './harness/seed-requests.js';

const KEYS = {
  OPENAI_API_KEY: 'sk-test-secret-123',
  ANTHROPIC_API_KEY: 'sk-ant-secret-4567',
} as const;

let services: CliServices;
let mock: MockLlmServer;
let env: Record<string, string>;

/** gpt-5 (end of life 2026-12-11, 13 days after TEST_NOW) and gpt-5.6-sol are in use. */
beforeAll(async () => {
  services = await openCliServices('doctor');
  mock = await startMockLlm();
  env = {
    ...services.env,
    ...KEYS,
    OPENAI_BASE_URL: mock.baseUrls.openai,
    ANTHROPIC_BASE_URL: mock.baseUrls.anthropic,
  };
  await seedRequests(services, { count: 2, status: 'completed', model: 'gpt-5', minutesAgo: 60 });
  await seedRequests(services, {
    count: 1,
    status: 'completed',
    model: 'gpt-5.6-sol',
    minutesAgo: 60,
  });
});

afterAll(async () => {
  await mock.close();
  await services.close();
});

/** A port nothing listens on: one the kernel just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const leaksAKey = (text: string) => Object.values(KEYS).some((key) => text.includes(key));

describe('aiq doctor', () => {
  it('should reach each keyed provider through its base URL and name the models near end of life', async () => {
    const { available } = await services.database.migrationStatus();
    const result = await runCli(['doctor'], env);
    expect(result).toMatchObject({ code: 0, err: '' });
    const lines = result.out.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^ok {4}PostgreSQL at postgres:\/\//));
    expect(lines).toContain(`ok    Migrations: ${available} of ${available} applied`);
    expect(lines).toContain(`ok    openai: key set (length 18), ${mock.baseUrls.openai}`);
    expect(lines).toContainEqual(
      expect.stringMatching(/^ok {4}openai reachable: models list 200 OK, \d+ models in \d+ ms$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ok {4}anthropic reachable: models list 200 OK, \d+ models in \d+ ms$/,
      ),
    );
    expect(lines).toContain(
      'ok    deepseek: no key; `pnpm start` serves it from the mock LLM server',
    );
    expect(lines).toContain(
      'warn  In use: Model gpt-5 reaches end of life on 2026-12-11 (in 13 days); migrate to gpt-5.6-sol',
    );
    // claude-sonnet-4-5 is nearer its end, but nobody used it.
    expect(result.out).not.toContain('claude-sonnet-4-5');
    // The mock saw the keys; the operator's screen never does.
    const calls = mock.requests().filter((request) => request.path.endsWith('/models'));
    expect(calls.map((request) => request.provider).sort()).toEqual(['anthropic', 'openai']);
    expect(leaksAKey(result.out + result.err)).toBe(false);
  });

  it('should fail, still without a key, on a refused key and on an unreachable base URL', async () => {
    const port = await closedPort();
    const result = await runCli(['doctor', '--json'], {
      ...env,
      OPENAI_API_KEY: 'invalid-openai-secret-99',
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as {
      ok: boolean;
      findings: { status: string; line: string }[];
    };
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual({
      status: 'fail',
      line: expect.stringMatching(
        new RegExp(
          `^openai unreachable at ${mock.baseUrls.openai}: models list 401 Unauthorized in \\d+ ms$`,
        ),
      ),
    });
    expect(report.findings).toContainEqual({
      status: 'fail',
      line: `anthropic unreachable at http://127.0.0.1:${port}/: models list ECONNREFUSED`,
    });
    expect(result.out).not.toContain('invalid-openai-secret-99');
    expect(leaksAKey(result.out + result.err)).toBe(false);
  });
});
