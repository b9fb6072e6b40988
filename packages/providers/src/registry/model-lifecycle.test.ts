import { describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import { fixedClock } from './clock.js';
import { listEndOfLifeWarnings } from './end-of-life-warnings.js';
import type { ModelEntry } from './model-entry.js';
import { createModelRegistry, type RetiredModelPolicy } from './model-registry.js';

// The built-in catalog: claude-sonnet-4-5 retires on 2026-11-30, gpt-5 on 2026-12-11.
const TWO_DAYS_BEFORE = '2026-11-28T09:00:00Z';
const LAST_MOMENT = '2026-11-29T23:59:59.999Z';
const END_OF_LIFE_DAY = '2026-11-30T00:00:00Z';
const TODAY = '2026-12-02T09:00:00Z'; // when this was written
const A_MONTH_AHEAD = '2027-01-02T09:00:00Z';
const A_YEAR_AHEAD = '2027-12-02T09:00:00Z';

function registryAt(at: string, retiredModels: RetiredModelPolicy = 'substitute') {
  return createModelRegistry({ clock: fixedClock(at), retiredModels });
}

function selectionError(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    if (ProviderError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('select accepted the model');
}

describe('model lifecycle and selection', () => {
  it.each([
    [TWO_DAYS_BEFORE, 'deprecated', 'deprecated', 'claude-sonnet-4-5', 'gpt-5'],
    [LAST_MOMENT, 'deprecated', 'deprecated', 'claude-sonnet-4-5', 'gpt-5'],
    [END_OF_LIFE_DAY, 'retired', 'deprecated', 'claude-sonnet-5-5', 'gpt-5'],
    [TODAY, 'retired', 'deprecated', 'claude-sonnet-5-5', 'gpt-5'],
    [A_MONTH_AHEAD, 'retired', 'retired', 'claude-sonnet-5-5', 'gpt-5.6-sol'],
    [A_YEAR_AHEAD, 'retired', 'retired', 'claude-sonnet-5-5', 'gpt-5.6-sol'],
  ])('should at %s see Sonnet 4.5 %s and GPT-5 %s, and run them on %s and %s', (at, ...rest) => {
    const [sonnetLifecycle, gptLifecycle, sonnetRunsOn, gptRunsOn] = rest;
    const registry = registryAt(at);
    expect(registry.lifecycle(registry.resolve('claude-sonnet-4-5'))).toBe(sonnetLifecycle);
    expect(registry.lifecycle(registry.resolve('gpt-5'))).toBe(gptLifecycle);
    expect(registry.lifecycle(registry.resolve('gpt-5.6-sol'))).toBe('active');
    // The runbook's name for the model, through its alias.
    expect(registry.select('claude-sonnet-4.5')).toMatchObject({
      requested: { id: 'claude-sonnet-4-5' },
      model: { id: sonnetRunsOn, provider: 'anthropic' },
    });
    expect(registry.select('gpt-5')).toMatchObject({
      requested: { id: 'gpt-5' },
      model: { id: gptRunsOn, provider: 'openai' },
    });
  });

  it.each([TODAY, A_MONTH_AHEAD, A_YEAR_AHEAD])(
    'should at %s refuse a retired model with model_retired naming its successor, under refuse',
    (at) => {
      const registry = registryAt(at, 'refuse');
      const error = selectionError(() => registry.select('claude-sonnet-4.5'));
      expect(error).toMatchObject({
        kind: 'model_retired',
        retryable: false,
        replacement: 'claude-sonnet-5-5',
        message:
          'Model claude-sonnet-4-5 reached its end of life on 2026-11-30; use claude-sonnet-5-5 instead',
      });
      expect(ProviderError.fromJSON(error.toJSON()).replacement).toBe('claude-sonnet-5-5');
      expect(registry.select('claude-sonnet-5-5').model.id).toBe('claude-sonnet-5-5');
    },
  );

  it('should not refuse a model on the day before its end of life, under refuse', () => {
    expect(registryAt(LAST_MOMENT, 'refuse').select('claude-sonnet-4-5').model.id).toBe(
      'claude-sonnet-4-5',
    );
  });

  describe('with successors that retire in turn', () => {
    const model = (entry: Partial<ModelEntry>): ModelEntry => ({
      provider: 'anthropic',
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      inputUsdPerMillionTokens: 1,
      outputUsdPerMillionTokens: 5,
      ...entry,
    });
    const models = {
      'model-a': model({ endOfLifeAt: '2026-01-01', replacement: 'model-b' }),
      'model-b': model({ endOfLifeAt: '2027-01-01', replacement: 'model-c' }),
      'model-c': model({}),
      'loop-a': model({ endOfLifeAt: '2026-01-01', replacement: 'loop-b' }),
      'loop-b': model({ endOfLifeAt: '2026-01-01', replacement: 'loop-a' }),
      orphan: model({ endOfLifeAt: '2026-01-01' }),
    };
    const at = (time: string) =>
      createModelRegistry({ models, aliases: {}, fallbackChain: [], clock: fixedClock(time) });

    it('should follow the successors to the first one still served', () => {
      expect(at(TODAY).select('model-a').model.id).toBe('model-b');
      expect(at(A_MONTH_AHEAD).select('model-a').model.id).toBe('model-c');
      expect(at(A_MONTH_AHEAD).select('model-b').model.id).toBe('model-c');
    });

    it('should fail with model_retired when no successor is served, even in a loop', () => {
      for (const id of ['loop-a', 'orphan']) {
        expect(selectionError(() => at(TODAY).select(id))).toMatchObject({
          kind: 'model_retired',
          message: `Model ${id} reached its end of life on 2026-01-01 and the model registry names no successor that is still served`,
        });
      }
    });
  });
});

describe('listEndOfLifeWarnings', () => {
  const messages = (at: string, policy?: RetiredModelPolicy) =>
    listEndOfLifeWarnings(registryAt(at, policy)).map((warning) => warning.message);

  it('should warn of the coming end of life, soonest first, with the days left', () => {
    const warnings = listEndOfLifeWarnings(registryAt(TWO_DAYS_BEFORE));
    expect(warnings.map((warning) => [warning.model, warning.status, warning.daysLeft])).toEqual([
      ['claude-sonnet-4-5', 'near-end-of-life', 2],
      ['gpt-5', 'near-end-of-life', 13],
    ]);
    expect(warnings[0]?.message).toBe(
      'Model claude-sonnet-4-5 reaches end of life on 2026-11-30 (in 2 days); migrate to claude-sonnet-5-5',
    );
    expect(messages(LAST_MOMENT)[0]).toBe(
      'Model claude-sonnet-4-5 reaches end of life on 2026-11-30 (in 1 day); migrate to claude-sonnet-5-5',
    );
  });

  it('should say what happens to requests once the day has come', () => {
    expect(messages(END_OF_LIFE_DAY)[0]).toBe(
      'Model claude-sonnet-4-5 reached end of life on 2026-11-30; requests for it run on claude-sonnet-5-5',
    );
    expect(messages(END_OF_LIFE_DAY, 'refuse')[0]).toBe(
      'Model claude-sonnet-4-5 reached end of life on 2026-11-30; requests for it are refused: ask for claude-sonnet-5-5',
    );
  });

  it('should warn today of the retired Sonnet 4.5 and of GPT-5 in 9 days', () => {
    expect(messages(TODAY)).toEqual([
      'Model claude-sonnet-4-5 reached end of life on 2026-11-30; requests for it run on claude-sonnet-5-5',
      'Model gpt-5 reaches end of life on 2026-12-11 (in 9 days); migrate to gpt-5.6-sol',
    ]);
  });

  it.each([A_MONTH_AHEAD, A_YEAR_AHEAD])('should report both as retired at %s', (at) => {
    expect(messages(at)).toEqual([
      'Model claude-sonnet-4-5 reached end of life on 2026-11-30; requests for it run on claude-sonnet-5-5',
      'Model gpt-5 reached end of life on 2026-12-11; requests for it run on gpt-5.6-sol',
    ]);
  });

  it('should stay quiet outside the window and for models without an end of life', () => {
    expect(listEndOfLifeWarnings(registryAt(TWO_DAYS_BEFORE), { withinDays: 1 })).toEqual([]);
    expect(listEndOfLifeWarnings(registryAt('2026-06-01T00:00:00Z'))).toEqual([]);
    expect(
      listEndOfLifeWarnings(registryAt(A_YEAR_AHEAD), { models: ['gpt-5.6-sol', 'deepseek-v3'] }),
    ).toEqual([]);
  });
});
