import { loadConfig } from '@aiq/config';
import { createDb } from '@aiq/db';
import { onShutdown, runMain } from '@aiq/lifecycle';
import { createLogger, flushErrorReports, initErrorReporting } from '@aiq/logger';
import { shutdownDeadlineMs } from './shutdown-deadline.js';
import { startWorker, type RunningWorker } from './start-worker.js';

// `pnpm start:worker`: one worker process; run as many as the load needs.
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, { name: 'worker' });
  // Sentry only when SENTRY_DSN is set; redacted like the logs.
  initErrorReporting(config, { name: 'worker' });
  const database = await createDb(config.database, { applicationName: 'aiq-worker' });
  // Listen before `worker started` is logged: a SIGTERM sent as soon as it appears must drain,
  // not kill (a signal with no listener ends the process at once).
  const started: { worker?: RunningWorker } = {};
  onShutdown(
    logger,
    async () => {
      await started.worker?.close();
      await database.close();
      await flushErrorReports();
    },
    { timeoutMs: shutdownDeadlineMs(config.worker.shutdownGraceMs) },
  );
  started.worker = await startWorker({ config, logger, database });
});
