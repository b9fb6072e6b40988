/** One server-sent event as a test reads it. */
export interface ParsedSse {
  readonly event: string | undefined;
  readonly id: string | undefined;
  readonly data: string;
}

/** Parses a complete SSE body into events (comments and `retry:` lines dropped). */
export function parseSse(body: string): ParsedSse[] {
  return body
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith(':')))
    .filter((lines) => lines.some((line) => line.startsWith('data:')))
    .map((lines) => {
      const field = (name: string) =>
        lines
          .find((line) => line.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trimStart();
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      return { event: field('event'), id: field('id'), data };
    });
}
