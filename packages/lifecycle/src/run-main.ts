import { ConfigError } from '@aiq/config';

/**
 * Runs a process's main function. A configuration error prints its one line (which never
 * holds a value) and exits 1; anything else prints the error and exits 1.
 */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (ConfigError.isInstance(error)) {
      process.stderr.write(`aiq: configuration error: ${error.message}\n`);
    } else {
      process.stderr.write(
        `aiq: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exit(1);
  });
}
