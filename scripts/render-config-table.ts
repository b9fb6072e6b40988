/** `pnpm docs:config`: rewrites the README's configuration table from the env schema. */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderEnvTable } from '@aiq/config';

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';
const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

const readme = await readFile(readmePath, 'utf8');
const before = readme.slice(0, readme.indexOf(START) + START.length);
const after = readme.slice(readme.indexOf(END));
await writeFile(readmePath, `${before}\n${renderEnvTable()}\n${after}`);
process.stdout.write('README.md configuration table updated\n');
