import { readFile, rm, writeFile } from 'node:fs/promises';
import {
  describeMachine,
  PENDING_ROWS,
  RESULTS_DIR,
  renderSummary,
  writeSummary,
  type RowReport,
} from '../src/report.js';

const LATEST_JSON = new URL('latest.json', RESULTS_DIR);

/**
 * Starts a fresh log of rows; at the end merges the rows that ran into `results/latest.json`
 * (a run of one file replaces only its rows) and renders `docs/reliability.md` from it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await rm(PENDING_ROWS, { force: true });
  return async () => {
    const text = await readFile(PENDING_ROWS, 'utf8').catch(() => '');
    await rm(PENDING_ROWS, { force: true });
    const fresh = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RowReport);
    if (fresh.length === 0) return;
    const kept = JSON.parse(await readFile(LATEST_JSON, 'utf8').catch(() => '[]')) as RowReport[];
    const reports = [
      ...kept.filter((report) => !fresh.some((row) => row.row === report.row)),
      ...fresh,
    ].sort((left, right) => left.row.localeCompare(right.row, 'en', { numeric: true }));
    await writeFile(LATEST_JSON, `${JSON.stringify(reports, null, 2)}\n`);
    await writeSummary(
      renderSummary(
        reports,
        '# Reliability suite: latest figures\n\n' +
          `Written by \`pnpm test:chaos\` on ${new Date().toISOString().slice(0, 10)}, on ` +
          `${await describeMachine()}. Each row drives real API and worker processes against ` +
          "the suite's own redis-server (AOF, `noeviction`) and PostgreSQL; after the fault and " +
          "a drain one oracle reconciles the load log against Postgres, Redis and the mock LLM's " +
          'request log. Recovery is the time from the end of the fault until every accepted task ' +
          'had ended; Time is the whole row and the day it ran. See ' +
          '[packages/chaos/README.md](../packages/chaos/README.md).',
      ),
    );
  };
}
