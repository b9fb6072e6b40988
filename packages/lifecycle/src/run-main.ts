import { ConfigError } from '@aiq/config';

/**
 * An error's message as one line. Node's AggregateError (a connect that tried ::1 and
 * 127.0.0.1) has an empty message: its first inner error, or its code, says what happened.
 */
function describeStartupError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).replace(/\s*\n\s*/g, ' ');
  let message = error.message;
  if (!message && error instanceof AggregateError && error.errors.length > 0) {
    message = describeStartupError(error.errors[0]);
  }
  if (!message && 'code' in error) message = String(error.code);
  return (message || error.name).replace(/\s*\n\s*/g, ' ');
}

/**
 * Runs a process's main function. Any start-up failure prints one line and exits 1, as nginx's
 * `[emerg]` lines do: a configuration error its own line (which never holds a value), anything
 * else `aiq: <message>`, never a stack trace. Whoever starts child processes (`pnpm start`'s
 * redis-server) stops them before rethrowing.
 */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (ConfigError.isInstance(error)) {
      process.stderr.write(`aiq: configuration error: ${error.message}\n`);
    } else {
      process.stderr.write(`aiq: ${describeStartupError(error)}\n`);
    }
    process.exit(1);
  });
}
