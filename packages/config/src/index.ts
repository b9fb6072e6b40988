export type {
  Config,
  DatabaseConfig,
  JobKind,
  ProviderConfig,
  ProviderName,
  RetryPolicy,
  WorkerRole,
} from './config.js';
export { loadConfig, toConfig } from './config.js';
export { ConfigError } from './config-error.js';
export { Env, parseEnv } from './env.js';
export {
  envVariables,
  secretVariableNames,
  type EnvVariable,
  type EnvVariableName,
} from './env-variables.js';
export { renderEnvTable, defaultOf } from './env-docs.js';
export { redactPaths, redactText, redactUrl, redactValue } from './redaction.js';
