import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, redactValue } from './redaction.js';

describe('redactUrl', () => {
  it('should hide the password and keep the rest', () => {
    expect(redactUrl('postgres://aiq:s3cret@db:5432/aiq')).toBe('postgres://aiq:***@db:5432/aiq');
  });

  it('should leave a URL without credentials unchanged', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('should not echo an unparseable value', () => {
    expect(redactUrl('not a url hunter2')).toBe('[unparseable URL]');
  });
});

describe('redactText and redactValue', () => {
  it('should censor key shapes, bearer tokens, given values and secret-named fields', () => {
    const text =
      'key aiq_abcdefgh12345678 and sk-ant-api03-zzzzzzzz, Bearer tok.en-12345678, pw hunter2hunter2';
    expect(redactText(text, ['hunter2hunter2'])).toBe(
      'key [redacted] and [redacted], Bearer [redacted], pw [redacted]',
    );
    expect(
      redactValue({
        apiKey: 'x',
        OPENAI_API_KEY: 'y',
        nested: [{ Authorization: 'z', ok: 'fine' }],
      }),
    ).toEqual({
      apiKey: '[redacted]',
      OPENAI_API_KEY: '[redacted]',
      nested: [{ Authorization: '[redacted]', ok: 'fine' }],
    });
  });
});
