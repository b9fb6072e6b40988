import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('should redact provider keys and authorization headers wherever they are logged', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ logLevel: 'info' }, { name: 'test', destination });
    logger.info({ OPENAI_API_KEY: 'sk-live-secret-1' }, 'env');
    logger.info({ config: { providers: { anthropic: { apiKey: 'sk-ant-secret-2' } } } }, 'config');
    logger.info({ headers: { authorization: 'Bearer aiq_secret_3' } }, 'request');
    logger.info({ provider: { apiKey: 'sk-secret-4' } }, 'nested');
    const output = lines.join('');
    expect(output).not.toMatch(/secret-1|secret-2|secret_3|secret-4/);
    expect(output.match(/\[redacted\]/g)).toHaveLength(4);
  });

  it('should honour the configured level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ logLevel: 'warn' }, { destination });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ msg: 'shown', level: 40 });
  });

  it('should still redact secrets when printing for people', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = [
      "import { createLogger } from './src/logger.ts';",
      "const logger = createLogger({ logLevel: 'info' }, { name: 'pretty', pretty: true });",
      "logger.info({ OPENAI_API_KEY: 'sk-pretty-secret' }, 'hello people');",
    ].join('\n');
    const result = spawnSync(
      process.execPath,
      // Workspace packages from source, as in dev (house style R3): no build needed.
      ['--conditions=@aiq/source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: new URL('..', import.meta.url).pathname,
        encoding: 'utf8',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('hello people');
    expect(result.stdout).toContain('[redacted]');
    expect(result.stdout).not.toContain('sk-pretty-secret');
    expect(result.stdout).not.toMatch(/^\{/); // not JSON
  });
});
