/** Runs an operator's commands as the operator types them and records what they print. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Fleet } from './fleet.js';
import type { Step, Trim } from './render-walkthrough.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What one command printed: stdout, then stderr, as a terminal would show them in turn. */
interface CommandResult {
  readonly output: string;
  readonly code: number | null;
}

function run(file: string, args: readonly string[], env: Record<string, string>) {
  return new Promise<CommandResult>((resolve, reject) => {
    // stdout is a pipe, not a terminal: no colour and no progress bars, as in a log.
    const child = spawn(file, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ output: out + err, code }));
  });
}

/** Quotes an argument as a shell would need it, for showing the command. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replaceAll(/(["\\$`])/g, '\\$1')}"`;
}

/** One scenario's steps, in order: what to do, and each command with its output. */
export class Transcript {
  readonly steps: Step[] = [];

  constructor(
    private readonly fleet: Fleet,
    private readonly env: Record<string, string> = {},
  ) {}

  /** A sentence of what the operator does or sees next. */
  say(text: string): void {
    this.steps.push({ kind: 'text', text });
  }

  /**
   * `aiq …args` (what `pnpm aiq` runs), with the deployment's environment: DATABASE_URL,
   * REDIS_URL, QUEUE_PREFIX, the providers' keys, AIQ_API_URL and AIQ_API_KEY.
   */
  async aiq(args: readonly string[], trim?: Trim): Promise<CommandResult> {
    const result = await run('aiq', args, { ...this.fleet.env, ...this.env });
    this.record(`aiq ${args.map(shellQuote).join(' ')}`, result, trim);
    return result;
  }

  /** A shell command line, such as `curl -s $AIQ_API_URL/api/status | jq .`. */
  async shell(line: string, trim?: Trim): Promise<CommandResult> {
    const result = await run('/bin/sh', ['-c', line], { ...this.fleet.env, ...this.env });
    this.record(line, result, trim);
    return result;
  }

  private record(command: string, { output, code }: CommandResult, trim: Trim | undefined) {
    this.steps.push({
      kind: 'command',
      command,
      output,
      exitCode: code,
      ...(trim === undefined ? {} : { trim }),
    });
  }
}
