import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const prometheusDir = fileURLToPath(new URL('../../../infra/prometheus/', import.meta.url));

/** Runs promtool; a missing promtool fails the test with what to install, never skips it. */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: prometheusDir });
    return stdout + stderr;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        "promtool is missing: install Debian's prometheus package (apt-get install -y prometheus); .ci/run does",
        { cause: error },
      );
    }
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
  }
}

// The runbook's alerts as Prometheus rules (infra/prometheus/alerts.yml), on this package's names.
describe('infra/prometheus alert rules', () => {
  it('should pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('should pass their promtool unit tests (error rate, p95, timeouts, circuit, dead letters, ledger)', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });
});
