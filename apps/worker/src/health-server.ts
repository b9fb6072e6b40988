import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The worker's own HTTP endpoint for orchestrators: `GET /health` answers 200 while `isHealthy()`
 * holds (Redis connected), 503 otherwise, with `details()` (the ledger's counters) in the body.
 */
export function startHealthServer({
  host,
  port,
  isHealthy,
  details = () => ({}),
}: {
  host: string;
  port: number;
  isHealthy: () => boolean;
  details?: () => Record<string, unknown>;
}): Promise<HealthServer> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/health') {
      const healthy = isHealthy();
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', ...details() }));
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
