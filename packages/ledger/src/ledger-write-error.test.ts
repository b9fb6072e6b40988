import { describe, expect, it } from 'vitest';
import { classifyWriteFailure } from './ledger-write-error.js';

/** Like drizzle's DrizzleQueryError: the query and its parameters in the message, the driver's error as cause. */
function wrapped(cause: object): Error {
  return new Error('Failed query: insert into "ai_requests" … params: a prompt', { cause });
}

describe('classifyWriteFailure', () => {
  it.each([
    ['U+0000 in jsonb (22P05)', wrapped({ code: '22P05' }), { code: '22P05', permanent: true }],
    ['a bad uuid (22P02)', wrapped({ code: '22P02' }), { code: '22P02', permanent: true }],
    ['a foreign key (23503)', wrapped({ code: '23503' }), { code: '23503', permanent: true }],
    [
      'connection refused',
      wrapped({ code: 'ECONNREFUSED' }),
      { code: 'ECONNREFUSED', permanent: false },
    ],
    [
      'a connect timeout',
      { code: 'CONNECT_TIMEOUT' },
      { code: 'CONNECT_TIMEOUT', permanent: false },
    ],
    ['an admin shutdown (57P01)', wrapped({ code: '57P01' }), { code: '57P01', permanent: false }],
    [
      'a read-only replica (25006)',
      wrapped({ code: '25006' }),
      { code: '25006', permanent: false },
    ],
    ['an error without a code', new Error('boom'), { code: 'unknown', permanent: false }],
  ])('should classify %s', (_name, error, expected) => {
    expect(classifyWriteFailure(error)).toEqual(expected);
  });
});
