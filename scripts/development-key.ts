import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateApiKey, looksLikeApiKey } from '@aiq/auth';

/** Where `pnpm start` keeps its development key, beside the data it guards. */
const KEY_FILE = 'development-api-key';
/** Owner read/write only, as ssh-keygen writes private keys. */
const OWNER_ONLY = 0o600;

/** The development key and the file that keeps it. */
export interface DevelopmentKey {
  readonly key: string;
  readonly file: string;
}

/**
 * The operator key of this checkout's `pnpm start`: made at random on the first start, kept in
 * `DATA_DIR/development-api-key` (mode 0600) and reused on later starts, so the printed key stays
 * valid. Every checkout has its own; none is public, unlike the constant aiq once shipped.
 */
export async function loadDevelopmentKey(dataDir: string): Promise<DevelopmentKey> {
  const file = path.join(dataDir, KEY_FILE);
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (looksLikeApiKey(key)) {
      if (((await stat(file)).mode & 0o777) !== OWNER_ONLY) await chmod(file, OWNER_ONLY);
      return { key, file };
    }
    // Not a key (edited by hand, truncated): replaced below.
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const { key } = generateApiKey();
  await writeFile(file, `${key}\n`, { mode: OWNER_ONLY });
  await chmod(file, OWNER_ONLY); // `mode` applies only to a new file, and under the umask
  return { key, file };
}
