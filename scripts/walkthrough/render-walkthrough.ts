/** Markdown for the walkthrough: console blocks of real output, trimmed only where it says so. */

/**
 * A block to leave out: from a line starting with `start` (or the string itself) up to the next
 * blank line, or up to the line starting with `end`.
 */
type OmitBlock = string | { readonly start: string; readonly end: string };

/** How much of a command's output the README shows; the full transcript keeps all of it. */
export interface Trim {
  /** Start at the first line that starts with this. */
  readonly from?: string;
  /** Stop before the first line that starts with this. */
  readonly until?: string;
  /** Blocks to leave out; each one's first line stays, saying how many lines were cut. */
  readonly omitBlocks?: readonly OmitBlock[];
}

export type Step =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'command';
      /** As the operator types it, without the prompt. */
      readonly command: string;
      readonly output: string;
      readonly exitCode: number | null;
      readonly trim?: Trim;
    };

export interface Scenario {
  readonly title: string;
  readonly steps: readonly Step[];
}

const linesCut = (count: number) => `${count} line${count === 1 ? '' : 's'} cut`;

/** Where the block starting at `index` ends (exclusive). */
function blockEnd(lines: readonly string[], index: number, block: OmitBlock): number {
  let end = index + 1;
  const stop = (line: string) =>
    typeof block === 'string' ? line === '' : line.startsWith(block.end);
  while (end < lines.length && !stop(lines[end] ?? '')) end += 1;
  return end;
}

function omitBlocks(lines: readonly string[], blocks: readonly OmitBlock[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    const block = blocks.find((candidate) =>
      line.startsWith(typeof candidate === 'string' ? candidate : candidate.start),
    );
    if (block === undefined) {
      kept.push(line);
      continue;
    }
    const end = blockEnd(lines, index, block);
    kept.push(`${line} [${linesCut(end - index - 1)}]`);
    index = end - 1;
  }
  return kept;
}

/** Every line of an output without its trailing spaces (the tables pad their last column). */
function linesOf(output: string): string[] {
  return output
    .replace(/\n+$/, '')
    .split('\n')
    .map((line) => line.trimEnd());
}

/** The output as the README shows it: trimmed as asked, each cut marked in brackets. */
export function trimOutput(output: string, trim: Trim | undefined): string {
  let lines = linesOf(output);
  const from = trim?.from;
  const start = from === undefined ? 0 : lines.findIndex((line) => line.startsWith(from));
  if (start > 0) lines = [`[${linesCut(start)}]`, ...lines.slice(start)];
  const until = trim?.until;
  const end = until === undefined ? -1 : lines.findIndex((line) => line.startsWith(until));
  if (end !== -1) {
    const kept = lines.slice(0, end);
    while (kept.at(-1) === '') kept.pop();
    lines = [...kept, `[${linesCut(lines.length - kept.length)}]`];
  }
  if (trim?.omitBlocks !== undefined) lines = omitBlocks(lines, trim.omitBlocks);
  return lines.join('\n');
}

/** The settings a run used, beside their defaults, as one sentence's list. */
export function renderSettings(
  settings: readonly {
    readonly name: string;
    readonly value: string;
    readonly fallback?: string;
  }[],
): string {
  return settings
    .map(({ name, value, fallback }) =>
      fallback === undefined ? `\`${name}=${value}\`` : `\`${name}=${value}\` (${fallback})`,
    )
    .join(', ');
}

function renderCommands(steps: readonly Extract<Step, { kind: 'command' }>[], full: boolean) {
  const body = steps.map((step) => {
    const output = trimOutput(step.output, full ? undefined : step.trim);
    const status = step.exitCode === 0 ? '' : `\n# exit status ${step.exitCode ?? 'unknown'}`;
    return `$ ${step.command}${output === '' ? '' : `\n${output}`}${status}`;
  });
  return ['```console', body.join('\n\n'), '```'].join('\n');
}

/**
 * One `###` part per scenario: its sentences as paragraphs, and each run of commands between
 * them as one console block. `full` keeps every line of every output.
 */
export function renderScenarios(
  scenarios: readonly Scenario[],
  { full = false }: { full?: boolean } = {},
): string {
  return scenarios
    .map((scenario) => {
      const parts: string[] = [`### ${scenario.title}`];
      let commands: Extract<Step, { kind: 'command' }>[] = [];
      const flush = () => {
        if (commands.length > 0) parts.push(renderCommands(commands, full));
        commands = [];
      };
      for (const step of scenario.steps) {
        if (step.kind === 'command') {
          commands.push(step);
          continue;
        }
        flush();
        parts.push(step.text);
      }
      flush();
      return parts.join('\n\n');
    })
    .join('\n\n');
}

/**
 * `document` with everything between the `start` and `end` markers replaced by `body`.
 * @throws Error when a marker is missing or they are out of order
 */
export function replaceBetweenMarkers(
  document: string,
  body: string,
  { start, end }: { start: string; end: string },
): string {
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from === -1 || to === -1 || to < from) {
    throw new Error(`expected the markers ${start} and ${end}, in that order`);
  }
  return `${document.slice(0, from + start.length)}\n${body}\n${document.slice(to)}`;
}
