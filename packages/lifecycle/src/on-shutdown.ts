import type { Logger } from '@aiq/logger';

export interface ShutdownOptions {
  /** Exit 1 if the handler has not finished by then. @defaultValue 30 000 ms */
  timeoutMs?: number;
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
  { timeoutMs = 30_000, signals = ['SIGINT', 'SIGTERM'] }: ShutdownOptions = {},
): void {
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
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
