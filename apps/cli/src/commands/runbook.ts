import type { Config } from '@aiq/config';
import { createDb, runbookQueries, type RunbookQueryName } from '@aiq/db';
import { renderTable, type Output } from '../output.js';

const names = Object.keys(runbookQueries) as RunbookQueryName[];

function isQueryName(name: string): name is RunbookQueryName {
  return (names as string[]).includes(name);
}

/** `aiq runbook [query]`: lists the runbook's queries, or runs one and prints its rows. */
export async function runbook(
  config: Config,
  output: Output,
  name: string | undefined,
  { json = false }: { json?: boolean } = {},
): Promise<number> {
  if (name === undefined) {
    if (json) output.write(JSON.stringify(names));
    else for (const query of names) output.write(query);
    return 0;
  }
  if (!isQueryName(name)) {
    output.error(`Unknown runbook query "${name}". Known: ${names.join(', ')}`);
    return 2;
  }
  const database = await createDb(config.database, { applicationName: 'aiq-cli' });
  try {
    const rows = await database.query(runbookQueries[name]);
    output.write(json ? JSON.stringify(rows, null, 2) : renderTable(rows));
    return 0;
  } finally {
    await database.close();
  }
}
