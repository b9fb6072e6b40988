import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@aiq/config';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import { listEndOfLifeWarnings } from './end-of-life-warnings.js';
import { loadModelRegistry } from './load-model-registry.js';
import { createModelRegistry } from './model-registry.js';

function registryFile(content: unknown): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'aiq-models-'));
  const file = path.join(directory, 'models.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function loadError(file: string): ConfigError {
  try {
    loadModelRegistry(file);
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('loadModelRegistry accepted the file');
}

describe('createModelRegistry', () => {
  const registry = createModelRegistry();

  it("should hold the runbook's context windows", () => {
    expect(registry.resolve('gpt-5').contextWindow).toBe(128_000);
    expect(registry.resolve('claude-sonnet-4-5').contextWindow).toBe(200_000);
    expect(registry.resolve('deepseek-chat').contextWindow).toBe(64_000);
  });

  it("should map the runbook's dotted name to the API id", () => {
    expect(registry.resolve('claude-sonnet-4.5')).toMatchObject({
      id: 'claude-sonnet-4-5',
      provider: 'anthropic',
    });
  });

  it('should order the fallback chain GPT → Claude Sonnet → DeepSeek with current models', () => {
    expect(registry.fallbackChain.map((model) => [model.id, model.provider])).toEqual([
      ['gpt-5.6-sol', 'openai'],
      ['claude-sonnet-5-5', 'anthropic'],
      ['deepseek-chat', 'deepseek'],
    ]);
    expect(
      listEndOfLifeWarnings(registry, { models: registry.fallbackChain.map((model) => model.id) }),
    ).toEqual([]);
  });

  it('should refuse an unknown model with model_not_found and the known ids', () => {
    let error: unknown;
    try {
      registry.resolve('gpt-9');
    } catch (caught) {
      error = caught;
    }
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'model_not_found', retryable: false });
    expect((error as ProviderError).message).toContain('Unknown model "gpt-9"');
    expect((error as ProviderError).knownModels).toContain('claude-sonnet-5-5');
    expect(registry.has('gpt-9')).toBe(false);
  });
});

describe('listEndOfLifeWarnings', () => {
  const registry = createModelRegistry();
  const today = Date.parse('2026-11-28T09:00:00Z');

  it('should warn that claude-sonnet-4-5 is two days from end of life, soonest first', () => {
    const warnings = listEndOfLifeWarnings(registry, { now: today });
    expect(warnings.map((warning) => [warning.model, warning.status, warning.daysLeft])).toEqual([
      ['claude-sonnet-4-5', 'near-end-of-life', 2],
      ['gpt-5', 'near-end-of-life', 13],
    ]);
    expect(warnings[0]?.message).toBe(
      'Model claude-sonnet-4-5 reaches end of life on 2026-11-30 (in 2 days); migrate to claude-sonnet-5-5',
    );
  });

  it('should report a model past its end of life', () => {
    const [warning] = listEndOfLifeWarnings(registry, {
      models: ['claude-sonnet-4.5'],
      now: Date.parse('2026-12-01T00:00:00Z'),
    });
    expect(warning).toMatchObject({
      model: 'claude-sonnet-4-5',
      status: 'past-end-of-life',
      daysLeft: -1,
    });
  });

  it('should stay quiet outside the window', () => {
    expect(listEndOfLifeWarnings(registry, { now: today, withinDays: 1 })).toEqual([]);
  });
});

describe('loadModelRegistry', () => {
  it('should use the built-in catalog without a file', () => {
    expect(loadModelRegistry().resolve('gpt-5.6-sol').provider).toBe('openai');
  });

  it('should override one field of a known model and add a new one', () => {
    const file = registryFile({
      models: {
        'gpt-5.6-sol': { inputUsdPerMillionTokens: 5 },
        'my-tuned-model': {
          provider: 'openai',
          contextWindow: 32_000,
          maxOutputTokens: 4_096,
          inputUsdPerMillionTokens: 3,
          outputUsdPerMillionTokens: 12,
          endOfLifeAt: '2027-01-01',
        },
      },
      aliases: { writer: 'my-tuned-model' },
      fallbackChain: ['writer', 'claude-sonnet-5-5'],
    });
    const registry = loadModelRegistry(file);
    expect(registry.resolve('gpt-5.6-sol')).toMatchObject({
      inputUsdPerMillionTokens: 5,
      contextWindow: 1_050_000,
    });
    expect(registry.resolve('writer')).toMatchObject({
      id: 'my-tuned-model',
      contextWindow: 32_000,
    });
    expect(registry.fallbackChain.map((model) => model.id)).toEqual([
      'my-tuned-model',
      'claude-sonnet-5-5',
    ]);
  });

  it('should name the file and the field of an incomplete new model', () => {
    const file = registryFile({
      models: { 'new-model': { provider: 'openai', contextWindow: 1000 } },
    });
    const error = loadError(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain('models.new-model.maxOutputTokens');
  });

  it('should name the field of a wrongly typed value', () => {
    const file = registryFile({ models: { 'gpt-5': { contextWindow: 'big' } } });
    expect(loadError(file).message).toContain('models.gpt-5.contextWindow');
  });

  it('should refuse unknown fields, bad dates, and chains naming unknown models', () => {
    expect(loadError(registryFile({ model: {} })).message).toContain('(root)');
    expect(
      loadError(registryFile({ models: { 'gpt-5': { endOfLifeAt: '30/11/2026' } } })).message,
    ).toContain('models.gpt-5.endOfLifeAt');
    expect(loadError(registryFile({ fallbackChain: ['gpt-5', 'nope'] })).message).toContain(
      'fallbackChain.1: names unknown model "nope"',
    );
    expect(loadError(registryFile({ aliases: { x: 'nope' } })).message).toContain('aliases.x');
  });

  it('should say when the file is missing or not JSON', () => {
    expect(loadError('/nonexistent/models.json').message).toBe(
      'Model registry file /nonexistent/models.json: (file): cannot be read (ENOENT)',
    );
    expect(loadError(registryFile('{ nope')).message).toContain('is not valid JSON');
  });
});
