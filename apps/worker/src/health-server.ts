import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * What `/health` says: `ok`; `unavailable` while Redis is away; `ledger_stuck` while the ledger
 * writer has held one batch longer than `ledgerStuckAfterMs` (Postgres away or hanging), so the
 * writes wait in Redis and the reconciler cannot trust Postgres.
 */
type HealthStatus = 'ok' | 'unavailable' | 'ledger_stuck';

/**
 * The worker's own HTTP endpoint for orchestrators: `GET /health` answers 200 while `status()`
 * is `ok`, 503 otherwise (as for an unreachable Redis), with `details()` (the ledger's
 * counters) in the body.
 */
export function startHealthServer({
  host,
  port,
  status,
  details = () => ({}),
  metrics,
}: {
  host: string;
  port: number;
  status: () => HealthStatus;
  details?: () => Record<string, unknown>;
  /** `GET /metrics`: Prometheus text exposition (`@aiq/metrics`). */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}): Promise<HealthServer> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics' && metrics !== undefined) {
      metrics().then(
        ({ contentType, body }) => {
          response.writeHead(200, { 'content-type': contentType });
          response.end(body);
        },
        () => {
          // Redis away: the scrape fails visibly rather than reporting stale states.
          response.writeHead(503, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: { code: 'metrics_unavailable' } }));
        },
      );
      return;
    }
    if (request.method === 'GET' && request.url === '/health') {
      const current = status();
      response.writeHead(current === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: current, ...details() }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { code: 'not_found', message: 'Not found' } }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections(); // keep-alive sockets would hold close() open
          }),
      });
    });
  });
}
