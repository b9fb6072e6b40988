import { createApiKey, revokeApiKey } from '@aiq/auth';
import type { Config } from '@aiq/config';
import { createDb, type ApiKeyRole } from '@aiq/db';
import type { Output } from '../output.js';

async function withDatabase<T>(
  config: Config,
  work: (database: Awaited<ReturnType<typeof createDb>>) => Promise<T>,
): Promise<T> {
  const database = await createDb(config.database, { applicationName: 'aiq-cli' });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/** `aiq keys create --user U [--role operator]`: prints the new key once; only its hash is kept. */
export async function createKey(
  config: Config,
  output: Output,
  { user, role, json = false }: { user: string; role: ApiKeyRole; json?: boolean },
): Promise<number> {
  const created = await withDatabase(config, (database) =>
    createApiKey(database, { userId: user, role }),
  );
  if (json) {
    output.write(JSON.stringify(created));
  } else {
    output.write(created.key);
    output.error(
      `Created ${created.role} key ${created.keyId} (${created.keyPrefix}…) for user ${created.userId}. ` +
        'It is shown only this once: store it now.',
    );
  }
  return 0;
}

/** `aiq keys revoke <id>`: requests with the key get 401 from then on. */
export async function revokeKey(
  config: Config,
  output: Output,
  keyId: string,
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  const revoked = await withDatabase(config, (database) => revokeApiKey(database, keyId));
  if (json) output.write(JSON.stringify({ keyId, revoked }));
  if (!revoked) {
    output.error(`No active key with id ${keyId}`);
    return 1;
  }
  if (!json) output.write(`Revoked key ${keyId}`);
  return 0;
}
