import { pino, type Logger, type DestinationStream } from 'pino';
import { redactPaths, type Config } from '@aiq/config';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Process role, added to every line (`api`, `worker`, `cli`, …). */
  name?: string;
  /** Where lines go; stdout when absent. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
  /**
   * Human-readable lines (pino-pretty) instead of JSON, for a person at a terminal
   * (`pnpm start` on a TTY). Redaction applies all the same. Ignored with `destination`.
   */
  pretty?: boolean;
}

/**
 * The one logger factory. Every secret path from @aiq/config is redacted, so a provider key
 * or an Authorization header never reaches a log line even if a caller logs a whole object.
 */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  { name, destination, pretty = false }: LoggerOptions = {},
): Logger {
  const options = {
    level: config.logLevel,
    redact: { paths: [...redactPaths], censor: '[redacted]' },
    ...(name === undefined ? {} : { name }),
  };
  if (destination) return pino(options, destination);
  if (pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(options);
}
