import { Hono } from 'hono';
import { z } from 'zod';
import { MockProvider } from '../fault-spec.js';
import { FaultSyntaxError } from '../parse-fault-spec.js';
import { MockRateLimit } from './rate-limit-windows.js';
import type { RouteDeps } from './route-deps.js';

/** One-line description of why a scenario was rejected: `path: message`. */
function describeError(error: unknown): string {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    return path === '' ? (issue?.message ?? 'invalid') : `${path}: ${issue?.message ?? 'invalid'}`;
  }
  if (error instanceof FaultSyntaxError) return `fault: ${error.message}`;
  throw error;
}

const RequestsQuery = z.object({ provider: MockProvider.optional(), path: z.string().optional() });

/**
 * The control plane under `/_mock` (unauthenticated JSON): scenarios, the request log and
 * health. Errors use the house `{ error: { code, message } }` shape.
 */
export function controlRoutes({ log, scenarios, rateLimits }: RouteDeps): Hono {
  return new Hono()
    .get('/health', (c) => c.json({ status: 'ok' }))
    .post('/scenarios', async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json({ error: { code: 'invalid_json', message: 'Body must be JSON' } }, 400);
      }
      try {
        // The store validates the spec (ScenarioSpec) and parses string faults.
        return c.json(scenarios.add(body as never), 201);
      } catch (error) {
        return c.json({ error: { code: 'invalid_scenario', message: describeError(error) } }, 400);
      }
    })
    .get('/scenarios', (c) => c.json({ scenarios: scenarios.list() }))
    .put('/rate-limits/:provider', async (c) => {
      const provider = MockProvider.safeParse(c.req.param('provider'));
      const body = MockRateLimit.safeParse(await c.req.json().catch(() => undefined));
      if (!provider.success || !body.success) {
        const error = provider.success ? body.error : provider.error;
        return c.json(
          { error: { code: 'invalid_rate_limit', message: describeError(error) } },
          400,
        );
      }
      return c.json(rateLimits.set(provider.data, body.data));
    })
    .delete('/rate-limits', (c) => {
      rateLimits.clear();
      return c.json({ cleared: true });
    })
    .delete('/scenarios', (c) => c.json({ cleared: scenarios.clear() }))
    .get('/requests', (c) => {
      const query = RequestsQuery.safeParse(c.req.query());
      if (!query.success) {
        return c.json(
          { error: { code: 'invalid_query', message: describeError(query.error) } },
          400,
        );
      }
      return c.json({ requests: log.list(query.data) });
    })
    .delete('/requests', (c) => {
      log.clear();
      return c.json({ cleared: true });
    });
}
