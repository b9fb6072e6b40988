import { describe, expect, it } from 'vitest';
import {
  renderScenarios,
  renderSettings,
  replaceBetweenMarkers,
  trimOutput,
} from '../walkthrough/render-walkthrough.js';

const STATUS = [
  'Severity P1: 1 of 3 providers down',
  '',
  'By hour:',
  'hour | total',
  '-----+------',
  '22   | 20   ',
  '(1 row)',
  '',
  'Queues (dead-letter entries: 0):',
  'queue | waiting',
  '(5 rows)',
  '',
].join('\n');

describe('trimOutput', () => {
  it('should keep every line but trailing spaces when asked for nothing', () => {
    expect(trimOutput('a  \nb\n\n', undefined)).toBe('a\nb');
  });

  it('should cut the named blocks up to the next blank line, and say how much went', () => {
    expect(trimOutput(STATUS, { omitBlocks: ['By hour:', 'Queues'] })).toBe(
      [
        'Severity P1: 1 of 3 providers down',
        '',
        'By hour: [4 lines cut]',
        '',
        'Queues (dead-letter entries: 0): [2 lines cut]',
      ].join('\n'),
    );
  });

  it('should cut a block up to a line of its own choosing', () => {
    const show = 'Queue: x\nPayload:\n{\n  "a": 1\n}\nFailures:\nrow\n';
    expect(trimOutput(show, { omitBlocks: [{ start: 'Payload:', end: 'Failures:' }] })).toBe(
      'Queue: x\nPayload: [3 lines cut]\nFailures:\nrow',
    );
  });

  it('should stop before the line asked for and count the rest, blank lines included', () => {
    expect(trimOutput(STATUS, { until: 'By hour:' })).toBe(
      'Severity P1: 1 of 3 providers down\n[10 lines cut]',
    );
    expect(trimOutput('a\nb', { until: 'By hour:' })).toBe('a\nb');
  });

  it('should start from the line asked for and count the lines above', () => {
    expect(trimOutput('id | x\n---\nrow\n\nAttempts:\nrow\n', { from: 'Attempts:' })).toBe(
      '[4 lines cut]\nAttempts:\nrow',
    );
    expect(trimOutput('Attempts:\nrow', { from: 'Attempts:' })).toBe('Attempts:\nrow');
  });
});

describe('renderScenarios', () => {
  const scenario = {
    title: 'Invalid API key',
    steps: [
      { kind: 'text' as const, text: 'The key was revoked.' },
      { kind: 'command' as const, command: 'aiq doctor', output: 'FAIL  x\n', exitCode: 1 },
      {
        kind: 'command' as const,
        command: 'aiq status',
        output: 'Severity ok\nBy hour:\nrow\n\nend\n',
        exitCode: 0,
        trim: { omitBlocks: ['By hour:'] },
      },
      { kind: 'text' as const, text: 'Fix it.' },
      { kind: 'command' as const, command: 'aiq notice clear', output: '', exitCode: 0 },
    ],
  };

  it('should put each run of commands in one console block, with a failing exit status shown', () => {
    expect(renderScenarios([scenario])).toBe(
      [
        '### Invalid API key',
        '',
        'The key was revoked.',
        '',
        '```console',
        '$ aiq doctor',
        'FAIL  x',
        '# exit status 1',
        '',
        '$ aiq status',
        'Severity ok',
        'By hour: [1 line cut]',
        '',
        'end',
        '```',
        '',
        'Fix it.',
        '',
        '```console',
        '$ aiq notice clear',
        '```',
      ].join('\n'),
    );
  });

  it('should leave every line in when full', () => {
    expect(renderScenarios([scenario], { full: true })).toContain('By hour:\nrow\n\nend');
  });
});

describe('renderSettings', () => {
  it('should list each setting with its default when it has one', () => {
    expect(
      renderSettings([
        { name: 'GENERATE_TIMEOUT_MS', value: '5000', fallback: 'default 60000' },
        { name: 'X', value: '1' },
      ]),
    ).toBe('`GENERATE_TIMEOUT_MS=5000` (default 60000), `X=1`');
  });
});

describe('replaceBetweenMarkers', () => {
  const markers = { start: '<!-- a:start -->', end: '<!-- a:end -->' };

  it('should replace what is between the markers and keep them', () => {
    expect(
      replaceBetweenMarkers('x\n<!-- a:start -->\nold\n<!-- a:end -->\ny', 'new', markers),
    ).toBe('x\n<!-- a:start -->\nnew\n<!-- a:end -->\ny');
  });

  it('should refuse a document without both markers in order', () => {
    expect(() => replaceBetweenMarkers('<!-- a:end --><!-- a:start -->', 'new', markers)).toThrow(
      /expected the markers/,
    );
    expect(() => replaceBetweenMarkers('no markers', 'new', markers)).toThrow(
      /expected the markers/,
    );
  });
});
