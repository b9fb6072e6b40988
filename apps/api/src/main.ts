import { loadConfig } from '@aiq/config';
import { createDb } from '@aiq/db';
import { onShutdown, runMain } from '@aiq/lifecycle';
import { createLogger, flushErrorReports, initErrorReporting } from '@aiq/logger';
import { startApi, type RunningApi } from './start-api.js';

// `pnpm start:api`: the API alone, as production runs it (migrations are a separate step).
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, { name: 'api' });
  // Sentry only when SENTRY_DSN is set; redacted like the logs.
  initErrorReporting(config, { name: 'api' });
  const database = await createDb(config.database, { applicationName: 'aiq-api' });
  // Listen before `api listening` is logged: a SIGTERM sent as soon as it appears must drain,
  // not kill (a signal with no listener ends the process at once).
  const started: { api?: RunningApi } = {};
  onShutdown(
    logger,
    async () => {
      await started.api?.close();
      await database.close();
      await flushErrorReports();
    },
    // Open requests get 1 s before their sockets are ended (start-api.ts); this is a backstop.
    { timeoutMs: 30_000 },
  );
  started.api = await startApi({ config, logger, database });
});
