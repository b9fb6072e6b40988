import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@aiq/config';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import { fixedClock } from './clock.js';
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
    loadModelRegistry({ file });
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('loadModelRegistry accepted the file');
}

describe('createModelRegistry', () => {
  const registry = createModelRegistry({ clock: fixedClock('2026-06-01T00:00:00Z') });

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

  it('should order the fallback chain GPT → Claude Sonnet → DeepSeek with models that never retire', () => {
    expect(registry.fallbackChain.map((model) => [model.id, model.provider])).toEqual([
      ['gpt-5.6-sol', 'openai'],
      ['claude-sonnet-5-5', 'anthropic'],
      ['deepseek-chat', 'deepseek'],
    ]);
    expect(registry.fallbackChain.map((model) => model.endOfLifeAt)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
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

describe('loadModelRegistry', () => {
  it('should use the built-in catalog without a file', () => {
    expect(loadModelRegistry().resolve('gpt-5.6-sol').provider).toBe('openai');
    expect(loadModelRegistry().retiredModels).toBe('substitute');
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
    const registry = loadModelRegistry({ file });
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

  it('should give a model its own fallback chain and every other model the default one', () => {
    const file = registryFile({
      fallbackChains: { 'claude-haiku-4.5': ['deepseek-chat', 'gpt-5.6'] },
    });
    const registry = loadModelRegistry({ file });
    expect(registry.fallbackChainFor('claude-haiku-4-5').map((model) => model.id)).toEqual([
      'deepseek-chat',
      'gpt-5.6-sol',
    ]);
    expect(registry.fallbackChainFor('gpt-5.6-sol')).toBe(registry.fallbackChain);
    expect(loadError(registryFile({ fallbackChains: { 'gpt-5': ['nope'] } })).message).toContain(
      'fallbackChains.gpt-5.0: names unknown model "nope"',
    );
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
    expect(
      loadError(registryFile({ models: { 'gpt-5': { endOfLifeAt: '2027-02-29' } } })).message,
    ).toContain('models.gpt-5.endOfLifeAt: expected a date as YYYY-MM-DD');
    expect(loadError(registryFile({ fallbackChain: ['gpt-5', 'nope'] })).message).toContain(
      'fallbackChain.1: names unknown model "nope"',
    );
    expect(loadError(registryFile({ aliases: { x: 'nope' } })).message).toContain('aliases.x');
  });

  it('should refuse a successor that is unknown or runs on another provider', () => {
    expect(
      loadError(registryFile({ models: { 'gpt-5': { replacement: 'gpt-9' } } })).message,
    ).toContain('models.gpt-5.replacement: names unknown model "gpt-9"');
    expect(
      loadError(registryFile({ models: { 'gpt-5': { replacement: 'claude-sonnet-5-5' } } }))
        .message,
    ).toContain(
      'models.gpt-5.replacement: "claude-sonnet-5-5" runs on anthropic, not openai; use fallbackChain to cross providers',
    );
  });

  it('should say when the file is missing or not JSON', () => {
    expect(loadError('/nonexistent/models.json').message).toBe(
      'Model registry file /nonexistent/models.json: (file): cannot be read (ENOENT)',
    );
    expect(loadError(registryFile('{ nope')).message).toContain('is not valid JSON');
  });
});
