import { parseArgs } from 'node:util';
import { startMockLlm } from '../index.js';

const USAGE = 'usage: mock-llm [--port 4010] [--host 127.0.0.1]';

/** Reads `--port`/`--host`; `--` separators that pnpm passes through are ignored. */
function readOptions(argv: string[]): { port: number; host: string } {
  const { values } = parseArgs({
    args: argv.filter((argument) => argument !== '--'),
    options: {
      port: { type: 'string', short: 'p', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be an integer 0–65535, got "${values.port}"`);
  }
  return { port, host: values.host };
}

async function main(): Promise<void> {
  let options: { port: number; host: string };
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`mock-llm: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  const server = await startMockLlm(options);
  const { openai, anthropic, deepseek } = server.baseUrls;
  console.log(
    `mock-llm listening on ${server.url} (openai ${openai}, anthropic ${anthropic}, deepseek ${deepseek})`,
  );
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`mock-llm: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
