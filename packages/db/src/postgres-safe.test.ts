import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePostgresSafe } from './postgres-safe.js';
import { saveTaskStep } from './task-steps.js';
import { drivers, type OpenedDatabase } from './testing-databases.test-helper.js';

describe('makePostgresSafe', () => {
  it.each([
    ['U+0000', 'a\u0000b', 'a\ufffdb'],
    ['a lone high surrogate', 'a\ud800b', 'a\ufffdb'],
    ['a lone low surrogate', 'a\udc00b', 'a\ufffdb'],
    ['a high surrogate at the end', 'ab\ud83d', 'ab\ufffd'],
    ['two high surrogates, then a low one', '\ud800\ud83d\ude00', '\ufffd\ud83d\ude00'],
    ['a surrogate pair (an emoji)', 'smile \ud83d\ude00', 'smile \ud83d\ude00'],
    ['plain text', 'Hello, world', 'Hello, world'],
  ])('should make %s storable', (_name, text, expected) => {
    expect(makePostgresSafe(text)).toBe(expected);
  });

  it('should clean strings at any depth, keys included, and keep other values', () => {
    const at = new Date(0);
    expect(
      makePostgresSafe({ 'k\u0000': ['x\ud800', 1, null, { deep: 'y\u0000' }], at, ok: true }),
    ).toEqual({ 'k\ufffd': ['x\ufffd', 1, null, { deep: 'y\ufffd' }], at, ok: true });
  });
});

describe.each(drivers)('text Postgres refuses, on $kind', (driver) => {
  let opened: OpenedDatabase;
  beforeAll(async () => {
    opened = await driver.open();
    await opened.database.migrate();
  });
  afterAll(() => opened.dispose());

  it('should store a step output holding U+0000 and a lone surrogate, as U+FFFD', async () => {
    const output = { summary: 'model said \u0000 and \ud800' };
    expect(await saveTaskStep(opened.database, randomUUID(), 'map:0', output)).toEqual({
      summary: 'model said \ufffd and \ufffd',
    });
  });
});
