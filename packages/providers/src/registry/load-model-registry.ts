import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '@aiq/config';
import type { z } from 'zod';
import { fixedClock, systemClock, type Clock } from './clock.js';
import {
  DEFAULT_ALIASES,
  DEFAULT_FALLBACK_CHAIN,
  DEFAULT_FALLBACK_CHAINS,
  DEFAULT_MODELS,
} from './default-models.js';
import { ModelEntry, ModelRegistryFile } from './model-entry.js';
import { createModelRegistry, type ModelRegistry } from './model-registry.js';

/** The registry's settings, as `loadConfig` groups them. */
export type ModelSettings = Partial<Config['models']>;

function fail(file: string, field: string, problem: string): never {
  throw new ConfigError(`Model registry file ${file}: ${field}: ${problem}`);
}

function fieldOf(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path].map(String);
  return path.length > 0 ? path.join('.') : '(root)';
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return fail(
      file,
      '(file)',
      `cannot be read (${typeof code === 'string' ? code : 'unknown error'})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fail(file, '(file)', 'is not valid JSON');
  }
}

/** Built-in entries with the file's entries merged on top, each validated as a whole. */
function mergeModels(
  file: string,
  overrides: ModelRegistryFile['models'] = {},
): Record<string, ModelEntry> {
  const models: Record<string, ModelEntry> = { ...DEFAULT_MODELS };
  for (const [id, override] of Object.entries(overrides)) {
    const parsed = ModelEntry.safeParse({ ...models[id], ...override });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      if (issue) fail(file, fieldOf(issue, ['models', id]), issue.message);
    } else {
      models[id] = parsed.data;
    }
  }
  return models;
}

/**
 * The line a process that loads the registry says at start-up when `MODELS_AS_OF` fixes its
 * clock, so a rehearsal setting left on in production does not go unseen; undefined otherwise.
 */
export function modelsAsOfNotice({ asOf }: ModelSettings): string | undefined {
  if (asOf === undefined) return undefined;
  return `Models: end of life judged as of ${new Date(asOf).toISOString()} (MODELS_AS_OF), not today`;
}

/** Every `replacement` names a known model on the same provider: a successor runs on its queue. */
function checkReplacements(file: string, models: Readonly<Record<string, ModelEntry>>): void {
  for (const [id, model] of Object.entries(models)) {
    if (model.replacement === undefined) continue;
    const successor = models[model.replacement];
    if (successor === undefined) {
      fail(file, `models.${id}.replacement`, `names unknown model "${model.replacement}"`);
    }
    if (successor.provider !== model.provider) {
      fail(
        file,
        `models.${id}.replacement`,
        `"${model.replacement}" runs on ${successor.provider}, not ${model.provider}; use fallbackChain to cross providers`,
      );
    }
  }
}

/**
 * The model registry: the built-in catalog, extended or overridden by a JSON file when
 * `settings.file` names one (usually `config.models`). Changing models, prices, successors or
 * the fallback chain needs no code change. Validated with zod. End of life is judged by `clock`,
 * which defaults to the machine's, or to the fixed `settings.asOf` (`MODELS_AS_OF`).
 * @throws ConfigError naming the file and the first bad field
 */
export function loadModelRegistry(
  settings: ModelSettings = {},
  {
    clock = settings.asOf === undefined ? systemClock : fixedClock(settings.asOf),
  }: { clock?: Clock } = {},
): ModelRegistry {
  const { file, retired: retiredModels } = settings;
  if (file === undefined) return createModelRegistry({ clock, retiredModels });
  const parsed = ModelRegistryFile.safeParse(readJson(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(file, issue ? fieldOf(issue) : '(root)', issue?.message ?? 'invalid');
  }
  const models = mergeModels(file, parsed.data.models);
  checkReplacements(file, models);
  const aliases = { ...DEFAULT_ALIASES, ...parsed.data.aliases };
  for (const [alias, id] of Object.entries(parsed.data.aliases ?? {})) {
    if (models[id] === undefined) fail(file, `aliases.${alias}`, `names unknown model "${id}"`);
  }
  const fallbackChain = parsed.data.fallbackChain ?? DEFAULT_FALLBACK_CHAIN;
  fallbackChain.forEach((id, index) => {
    if (models[id] === undefined && models[aliases[id] ?? ''] === undefined) {
      fail(file, `fallbackChain.${index}`, `names unknown model "${id}"`);
    }
  });
  const fallbackChains = { ...DEFAULT_FALLBACK_CHAINS, ...parsed.data.fallbackChains };
  for (const [model, chain] of Object.entries(parsed.data.fallbackChains ?? {})) {
    if (models[model] === undefined && models[aliases[model] ?? ''] === undefined) {
      fail(file, `fallbackChains.${model}`, `names unknown model "${model}"`);
    }
    chain.forEach((id, index) => {
      if (models[id] === undefined && models[aliases[id] ?? ''] === undefined) {
        fail(file, `fallbackChains.${model}.${index}`, `names unknown model "${id}"`);
      }
    });
  }
  return createModelRegistry({
    models,
    aliases,
    fallbackChain,
    fallbackChains,
    clock,
    retiredModels,
  });
}
