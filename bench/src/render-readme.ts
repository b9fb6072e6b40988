/**
 * `pnpm docs:bench`: copies the summary of bench/results/latest.md (the last full `pnpm bench`:
 * its machine line, table and legend) into the README's Performance section.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { SUMMARY_END, SUMMARY_START } from './render-results.js';
import { entryPoint } from './system/node-process.js';

const README_START = '<!-- bench-table:start -->';
const README_END = '<!-- bench-table:end -->';

/** The text between `start` and `end` in `text`, or an error naming the file that lacks them. */
function between(text: string, start: string, end: string, file: string): [number, number] {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${file}: no ${start} … ${end} section`);
  return [from + start.length, to];
}

const latestPath = entryPoint('bench/results/latest.md');
const readmePath = entryPoint('README.md');
const latest = await readFile(latestPath, 'utf8');
const [summaryFrom, summaryTo] = between(latest, SUMMARY_START, SUMMARY_END, latestPath);
const readme = await readFile(readmePath, 'utf8');
const [tableFrom, tableTo] = between(readme, README_START, README_END, readmePath);
const summary = latest.slice(summaryFrom, summaryTo).trim();
await writeFile(readmePath, `${readme.slice(0, tableFrom)}\n${summary}\n${readme.slice(tableTo)}`);
process.stdout.write('README.md performance table updated from bench/results/latest.md\n');
