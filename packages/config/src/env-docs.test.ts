import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defaultOf, renderEnvTable } from './env-docs.js';
import { envVariables } from './env-variables.js';

const readmePath = new URL('../../../README.md', import.meta.url);

describe('README configuration table', () => {
  it('should equal the table generated from the schema (run `pnpm docs:config`)', async () => {
    const readme = await readFile(readmePath, 'utf8');
    const table = readme.match(
      /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/,
    );
    expect(table?.[1]).toBe(renderEnvTable());
  });

  it('should document every variable with the default its schema applies', () => {
    const table = renderEnvTable();
    for (const [name, variable] of Object.entries(envVariables)) {
      const fallback = defaultOf(variable);
      expect(table).toContain(
        `| \`${name}\` | ${fallback === undefined ? '—' : `\`${fallback}\``} |`,
      );
    }
    expect(defaultOf(envVariables.API_PORT)).toBe('3000');
    expect(defaultOf(envVariables.DATABASE_URL)).toBeUndefined();
  });
});
