import type { Logger } from '@aiq/logger';

export interface ShutdownOptions {
  /**
   * Exit 1 if the handler has not finished by then. Required, and derived by each caller from
   * what its handler waits for (the worker: `WORKER_SHUTDOWN_GRACE_MS` plus a margin), so no
   * hidden cap cuts a drain the configuration allows.
   */
  timeoutMs: number;
  /** Signals that start the shutdown. @defaultValue SIGINT and SIGTERM */
  signals?: NodeJS.Signals[];
}

/**
 * Runs `handler` once on SIGINT/SIGTERM, then exits 0 (1 if it throws or overruns).
 * A second signal while shutting down exits at once, as a second Ctrl-C should.
 */
export function onShutdown(
  logger: Logger,
  handler: () => Promise<unknown>,
  { timeoutMs, signals = ['SIGINT', 'SIGTERM'] }: ShutdownOptions,
): void {
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    handler().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, shutdown);
}
