import { describe, expect, it } from 'vitest';
import { redactUrl } from './redaction.js';

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
