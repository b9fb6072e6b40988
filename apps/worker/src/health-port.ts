import type { Logger } from '@aiq/logger';
import { startHealthServer, type HealthServer } from './health-server.js';

/** The OpenTelemetry Prometheus exporter's port, the usual one for a process's metrics. */
const DEFAULT_METRICS_PORT = 9464;
/** Ports tried after the default (9465, 9466, …) before any free one: scrape configs stay short. */
const NEXT_PORTS_TRIED = 15;

type HealthServerOptions = Omit<Parameters<typeof startHealthServer>[0], 'port'>;

function inUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/**
 * Listens for `/health` on `WORKER_METRICS_PORT` when it is set: a taken port is then a
 * one-line start-up error naming the variable. Unset, it takes 9464, or when another worker on
 * the host has that, the next free port (then any), and says where, as Vite does for its
 * dev server: the README says to start as many workers as the load needs.
 */
export async function listenForHealth(
  options: HealthServerOptions & { port: number | undefined; logger: Logger },
): Promise<HealthServer> {
  const { port, logger, ...server } = options;
  if (port !== undefined) {
    try {
      return await startHealthServer({ ...server, port });
    } catch (error) {
      if (!inUse(error)) throw error;
      throw new Error(
        `WORKER_METRICS_PORT: ${server.host}:${port} is in use; choose a free port, or unset it to let the worker pick one`,
        { cause: error },
      );
    }
  }
  const candidates = Array.from(
    { length: NEXT_PORTS_TRIED + 1 },
    (_, i) => DEFAULT_METRICS_PORT + i,
  );
  for (const candidate of [...candidates, 0]) {
    try {
      const started = await startHealthServer({ ...server, port: candidate });
      if (candidate !== DEFAULT_METRICS_PORT) {
        logger.warn(
          { port: started.port },
          `WORKER_METRICS_PORT is unset and ${server.host}:${DEFAULT_METRICS_PORT} is in use: health and metrics on ${server.host}:${started.port}`,
        );
      }
      return started;
    } catch (error) {
      if (!inUse(error)) throw error;
    }
  }
  throw new Error('unreachable: port 0 is never in use');
}
