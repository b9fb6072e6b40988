import { envVariables, type EnvVariable } from './env-variables.js';

/** The default a variable's schema applies, read from the schema itself, or undefined. */
export function defaultOf(variable: EnvVariable): string | undefined {
  const parsed = variable.schema.safeParse(undefined);
  if (!parsed.success) return undefined;
  const value: unknown = parsed.data;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The README's configuration table, generated from the schema. */
export function renderEnvTable(): string {
  const rows = Object.entries(envVariables).map(([name, variable]: [string, EnvVariable]) => {
    const fallback = defaultOf(variable);
    const shown = fallback === undefined ? '—' : `\`${fallback}\``;
    const secret = variable.secret ? ' Secret: never logged.' : '';
    return `| \`${name}\` | ${shown} | ${variable.description}${secret} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
