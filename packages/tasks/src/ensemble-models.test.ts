import { createModelRegistry, fixedClock, ProviderError } from '@aiq/providers';
import { TEST_NOW } from '@aiq/testing';
import { describe, expect, it } from 'vitest';
import { TaskRefusedError } from './document-chunks.js';
import { checkEnsembleModels, defaultEnsembleModels } from './ensemble-models.js';

const registry = createModelRegistry({ clock: fixedClock(TEST_NOW) });
const request = { messages: [{ role: 'user' as const, content: 'Hi' }] };

function refusal(models: readonly string[]): unknown {
  try {
    checkEnsembleModels(registry, models, request);
  } catch (error) {
    return error;
  }
  throw new Error('checkEnsembleModels accepted the models');
}

describe('defaultEnsembleModels', () => {
  it('should pick the first model of each provider in the fallback chain', () => {
    expect(defaultEnsembleModels(registry, new Set())).toEqual([
      'gpt-5.6-sol',
      'claude-sonnet-5-5',
      'deepseek-chat',
    ]);
  });

  it('should leave out a disabled provider and a disabled model', () => {
    expect(defaultEnsembleModels(registry, new Set(['anthropic', 'deepseek-chat']))).toEqual([
      'gpt-5.6-sol',
    ]);
  });

  it('should take the next model of a provider whose first model is disabled', () => {
    const chained = createModelRegistry({
      clock: fixedClock(TEST_NOW),
      fallbackChain: ['gpt-5.6-sol', 'claude-sonnet-5-5', 'gpt-5', 'deepseek-chat'],
    });
    expect(defaultEnsembleModels(chained, new Set(['gpt-5.6-sol']))).toEqual([
      'claude-sonnet-5-5',
      'gpt-5',
      'deepseek-chat',
    ]);
  });
});

describe('checkEnsembleModels', () => {
  it('should resolve aliases and keep the order given', () => {
    expect(checkEnsembleModels(registry, ['deepseek-v3', 'gpt-5.6'], request)).toEqual([
      'deepseek-chat',
      'gpt-5.6-sol',
    ]);
  });

  it('should refuse too few, too many and repeated models with their own codes', () => {
    expect(refusal(['gpt-5.6-sol'])).toMatchObject({ code: 'too_few_models' });
    expect(refusal(Array.from({ length: 9 }, (_, index) => `m${index}`))).toMatchObject({
      code: 'too_many_models',
    });
    const repeated = refusal(['gpt-5.6-sol', 'gpt-5.6']);
    expect(repeated).toBeInstanceOf(TaskRefusedError);
    expect(repeated).toMatchObject({ code: 'duplicate_models' });
  });

  it('should refuse an unknown model as a generation does', () => {
    const error = refusal(['gpt-5.6-sol', 'no-such-model']);
    expect(ProviderError.isInstance(error) && error.kind).toBe('model_not_found');
  });
});
