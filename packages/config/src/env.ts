import { z } from 'zod';
import { envVariables, type EnvVariableName } from './env-variables.js';
import { ConfigError } from './config-error.js';

type Shape = { [Name in EnvVariableName]: (typeof envVariables)[Name]['schema'] };

const shape = Object.fromEntries(
  Object.entries(envVariables).map(([name, variable]) => [name, variable.schema]),
) as Shape;

/** The retry variables of each job type, beside the defaults they override. */
const RETRY_VARIABLES = [
  ['RETRY_BASE_DELAY_MS', 'RETRY_MAX_DELAY_MS'],
  ['GENERATE_RETRY_BASE_DELAY_MS', 'GENERATE_RETRY_MAX_DELAY_MS'],
  ['BACKGROUND_RETRY_BASE_DELAY_MS', 'BACKGROUND_RETRY_MAX_DELAY_MS'],
] as const;

/** Cross-field rules; each has a test in env.test.ts. */
export const Env = z.object(shape).superRefine((env, context) => {
  if (env.REDIS_CLUSTER_NODES !== undefined && env.REDIS_CLUSTER !== 'true') {
    context.addIssue({
      code: 'custom',
      path: ['REDIS_CLUSTER_NODES'],
      message: 'unset unless REDIS_CLUSTER=true (seed nodes of a cluster)',
      params: { crossField: true },
    });
    return;
  }
  // Each job type's resolved base delay must not exceed its resolved cap.
  for (const [baseName, maxName] of RETRY_VARIABLES) {
    const base = env[baseName] ?? env.RETRY_BASE_DELAY_MS;
    const max = env[maxName] ?? env.RETRY_MAX_DELAY_MS;
    if (base > max) {
      const named = env[baseName] === undefined ? 'RETRY_BASE_DELAY_MS' : baseName;
      context.addIssue({
        code: 'custom',
        path: [named],
        message: `at most ${env[maxName] === undefined ? 'RETRY_MAX_DELAY_MS' : maxName}`,
        params: { crossField: true },
      });
      return;
    }
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
