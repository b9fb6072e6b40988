import { z } from 'zod';
import { envVariables, type EnvVariableName } from './env-variables.js';
import { ConfigError } from './config-error.js';

type Shape = { [Name in EnvVariableName]: (typeof envVariables)[Name]['schema'] };

const shape = Object.fromEntries(
  Object.entries(envVariables).map(([name, variable]) => [name, variable.schema]),
) as Shape;

/** Cross-field rules; each has a test in env.test.ts. */
export const Env = z.object(shape).superRefine((env, context) => {
  if (env.RETRY_BASE_DELAY_MS > env.RETRY_MAX_DELAY_MS) {
    context.addIssue({
      code: 'custom',
      path: ['RETRY_BASE_DELAY_MS'],
      message: 'at most RETRY_MAX_DELAY_MS',
      params: { crossField: true },
    });
  }
});
export type Env = z.infer<typeof Env>;

/**
 * Drops variables set to the empty string, so `FOO=` means "unset" as it does in
 * docker-compose's `${FOO:-}` and most .env files.
 */
function withoutEmpty(source: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && value !== '') result[name] = value;
  }
  return result;
}

/**
 * "NAME: expected …" for the first issue. Built from our own table, never from zod's message:
 * zod may quote the received value, and that value could be a secret.
 */
function describeFirstIssue(error: z.ZodError, source: Record<string, string>): string {
  const issue = error.issues[0];
  const name = String(issue?.path[0] ?? 'environment');
  const variable = (envVariables as Record<string, { expected: string } | undefined>)[name];
  if (issue?.code === 'custom' && issue.params?.['crossField'] === true) {
    return `${name}: expected ${issue.message}`;
  }
  if (!variable) return `${name}: invalid`;
  const state = source[name] === undefined ? 'is missing' : 'is invalid';
  return `${name} ${state}: expected ${variable.expected}`;
}

/** Parses and validates the environment. Throws {@link ConfigError} with a one-line message. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = withoutEmpty(source);
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(describeFirstIssue(parsed.error, cleaned));
  return parsed.data;
}
