import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { paint, renderTable } from '../src/output.js';

describe('renderTable', () => {
  const rows = [
    { model: 'gpt-5', note: 'ok', count: 3 },
    { model: 'claude-sonnet-4-5', note: '日本語', count: null },
  ];

  it('should lay out columns as psql does, wide characters measured by their width', () => {
    expect(renderTable(rows).split('\n')).toEqual([
      'model             | note   | count',
      '------------------+--------+------',
      'gpt-5             | ok     | 3    ',
      'claude-sonnet-4-5 | 日本語 |      ',
      '(2 rows)',
    ]);
    expect(renderTable([])).toBe('(0 rows)');
  });

  it('should colour the header only when asked to (a terminal), with the same layout', () => {
    const plain = renderTable(rows);
    const coloured = renderTable(rows, { colour: true });
    expect(plain).not.toContain('\u001B[');
    expect(coloured).toContain(paint('model', 'bold', true));
    expect(coloured).not.toBe(plain);
    expect(stripVTControlCharacters(coloured)).toBe(plain);
    expect(paint('P0', 'red', false)).toBe('P0');
  });
});
