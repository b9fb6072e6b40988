import { loadConfig } from '@aiq/config';
import { createDb } from '@aiq/db';
import { onShutdown, runMain } from '@aiq/lifecycle';
import { createLogger } from '@aiq/logger';
import { startWorker } from './start-worker.js';

// `pnpm start:worker`: one worker process; run as many as the load needs.
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, { name: 'worker' });
  const database = await createDb(config.database, { applicationName: 'aiq-worker' });
  const worker = await startWorker({ config, logger, database });
  onShutdown(logger, async () => {
    await worker.close();
    await database.close();
  });
});
