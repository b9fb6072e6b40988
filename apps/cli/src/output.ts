import Table from 'cli-table3';
import { stripVTControlCharacters, styleText } from 'node:util';

/** Where commands write: injectable so tests read what a user would see. */
export interface Output {
  write(text: string): void;
  error(text: string): void;
  /** stdout is a terminal: colour and screen redraws are allowed. */
  readonly tty?: boolean;
  /** A terminal to draw progress bars on; absent when stderr is not a TTY (pipes, CI, tests). */
  readonly progress?: NodeJS.WritableStream;
}

export const processOutput: Output = {
  write: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  error: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  tty: process.stdout.isTTY === true,
  ...(process.stderr.isTTY ? { progress: process.stderr } : {}),
};

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return value.toString();
    default:
      return JSON.stringify(value) ?? '';
  }
}

/** No borders: columns split by ` | `, as psql prints them; the header rule is added below. */
const PSQL_CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: ' | ',
};

type Colour = 'bold' | 'red' | 'yellow' | 'green' | 'dim';

/** `text` in a colour when `colour` holds (a terminal), else unchanged. */
export function paint(text: string, format: Colour, colour: boolean): string {
  // The caller decided it is a terminal; styleText would otherwise judge by process.stdout.
  return colour ? styleText(format, text, { validateStream: false }) : text;
}

/**
 * A plain-text table, as psql prints one, for rows of any shape: laid out by cli-table3 (which
 * measures colour codes and wide characters), header in bold on a terminal only.
 */
export function renderTable(
  rows: readonly Record<string, unknown>[],
  { colour = false }: { colour?: boolean } = {},
): string {
  if (rows.length === 0) return '(0 rows)';
  const columns = Object.keys(rows[0] ?? {});
  const table = new Table({
    head: columns.map((column) => paint(column, 'bold', colour)),
    chars: PSQL_CHARS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...rows.map((row) => columns.map((column) => cell(row[column]))));
  const [header = '', ...body] = table.toString().split('\n');
  // The rule under the header, from the header's own column widths (colour codes left out).
  const rule = stripVTControlCharacters(header)
    .split(' | ')
    .map((title) => '-'.repeat(title.length))
    .join('-+-');
  return [header, rule, ...body, `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}
