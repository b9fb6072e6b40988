import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSafeStream, makePostgresSafe } from './postgres-safe.js';
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

describe('createPostgresSafeStream', () => {
  it.each([
    ['U+0000', 'Storm\u0000answer'],
    ['an emoji', 'smile \ud83d\ude00 now'],
    ['a lone high surrogate, then an emoji', 'a\ud800\ud83d\ude00b'],
    ['lone surrogates at both ends', '\udc00mid\ud800'],
  ])('should stream %s as makePostgresSafe stores it, wherever the pieces split', (_name, text) => {
    for (let cut = 0; cut <= text.length; cut += 1) {
      for (let second = cut; second <= text.length; second += 1) {
        const stream = createPostgresSafeStream();
        const pieces = [text.slice(0, cut), text.slice(cut, second), text.slice(second)];
        const streamed = pieces.map((piece) => stream.push(piece)).join('') + stream.end();
        expect(streamed, `cut at ${cut} and ${second}`).toBe(makePostgresSafe(text));
      }
    }
  });

  it('should hold a high surrogate that ends a piece until its other half comes', () => {
    const stream = createPostgresSafeStream();
    expect(stream.push('smile \ud83d')).toBe('smile ');
    expect(stream.push('\ude00!')).toBe('\ud83d\ude00!');
    expect(stream.push('\u0000')).toBe('\ufffd');
    expect(stream.end()).toBe('');
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
