/**
 * What PostgreSQL refuses to store: U+0000 in `text` and `jsonb` (SQLSTATE 22021 and 22P05), and a
 * lone UTF-16 surrogate, which `jsonb` refuses as an escape (22P05) and UTF-8 cannot encode at all.
 * Matched by UTF-16 code unit on purpose (no `u` flag): a surrogate pair is left alone.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this must find
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** U+FFFD, what the WHATWG encoder (`TextEncoder`, `Buffer.from`) writes for a lone surrogate. */
const REPLACEMENT = '\ufffd';

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The one gate for text on its way into Postgres: a copy of `value` in which every string
 * (object keys included, at any depth) has each U+0000 and each lone surrogate replaced by
 * U+FFFD. Anything else (numbers, dates, class instances) is kept as it is.
 *
 * Use it wherever text from outside reaches a row: prompts on submit, model output and
 * provider error messages on the ledger write path. Replacing, not refusing, because such text
 * comes from models and providers nobody can correct; U+FFFD, not deletion, so the row still
 * shows that something was there. A lone surrogate could never reach a provider or a client
 * over UTF-8 as anything else anyway.
 */
export function makePostgresSafe<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE, REPLACEMENT) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => makePostgresSafe(item)) as T;
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [makePostgresSafe(key), makePostgresSafe(item)]),
  ) as T;
}

/** Text that arrives in pieces (a model's deltas), made storable piece by piece. */
export interface PostgresSafeStream {
  /** The storable form of the text so far that no later piece can change. */
  push(piece: string): string;
  /** The storable form of what is still held, once no piece will follow. */
  end(): string;
}

/**
 * {@link makePostgresSafe} for text streamed in pieces, so what a client is streamed is what the
 * ledger stores: joined, the pieces it returns equal `makePostgresSafe` of the whole text. A high
 * surrogate ending a piece is held back, since the next piece may begin with its other half.
 */
export function createPostgresSafeStream(): PostgresSafeStream {
  let held = '';
  return {
    push(piece) {
      const text = held + piece;
      const last = text.charCodeAt(text.length - 1);
      const splitPair = last >= 0xd800 && last <= 0xdbff;
      held = splitPair ? text.slice(-1) : '';
      return makePostgresSafe(splitPair ? text.slice(0, -1) : text);
    },
    end() {
      const rest = held;
      held = '';
      return makePostgresSafe(rest);
    },
  };
}
