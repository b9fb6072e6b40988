import { loadConfig } from '@aiq/config';
import { createDb } from '@aiq/db';
import { onShutdown, runMain } from '@aiq/lifecycle';
import { createLogger } from '@aiq/logger';
import { startApi } from './start-api.js';

// `pnpm start:api`: the API alone, as production runs it (migrations are a separate step).
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, { name: 'api' });
  const database = await createDb(config.database, { applicationName: 'aiq-api' });
  const api = await startApi({ config, logger, database });
  onShutdown(logger, async () => {
    await api.close();
    await database.close();
  });
});
