import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { shutdownDeadlineMs } from '@aiq/worker';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

// No Docker engine runs here: these read docker-compose.yml and .dockerignore as Docker would.
const root = new URL('../../', import.meta.url);
const read = (file: string) => readFile(fileURLToPath(new URL(file, root)), 'utf8');

const Service = z.object({
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  stop_grace_period: z.string().optional(),
});
const Compose = z.object({ services: z.record(z.string(), Service) });

async function compose() {
  // `merge: true` resolves the `<<: *aiq-environment` merge keys, as docker compose does.
  return Compose.parse(parse(await read('docker-compose.yml'), { merge: true }));
}

/** `${REDIS_PASSWORD:?message}`: compose refuses to start when the variable is unset or empty. */
const REQUIRED_PASSWORD = /^\$\{REDIS_PASSWORD:\?[^}]+\}$/;

/** A compose duration such as `330s` or `5m30s`, in ms. */
function durationMs(duration: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
  const parts = [...duration.matchAll(/(\d+)(ms|h|m|s)/g)];
  expect(parts.map((part) => part[0]).join('')).toBe(duration);
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (units[unit ?? ''] ?? 0), 0);
}

describe('deployment files', () => {
  it('should run Redis with requirepass from a required REDIS_PASSWORD and a healthcheck that authenticates', async () => {
    const { services } = await compose();
    const command = services['redis']?.command ?? [];
    const password = command[command.indexOf('--requirepass') + 1] ?? '';
    expect(command).toContain('--requirepass');
    expect(password).toMatch(REQUIRED_PASSWORD);
    // redis-cli reads REDISCLI_AUTH; an unauthenticated PING answers NOAUTH, never PONG.
    expect(services['redis']?.environment?.['REDISCLI_AUTH']).toMatch(REQUIRED_PASSWORD);
    expect(services['redis']?.healthcheck?.test.join(' ')).toMatch(/PONG/);
  });

  it('should give every aiq service a REDIS_URL carrying the password', async () => {
    const { services } = await compose();
    const aiq = Object.entries(services).filter(([, service]) => service.image === 'aiq:local');
    expect(aiq.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, service] of aiq) {
      const url = service.environment?.['REDIS_URL'] ?? '';
      const [, password] = /^redis:\/\/:(\$\{[^}]+\})@redis:6379$/.exec(url) ?? [];
      expect(password, name).toMatch(REQUIRED_PASSWORD);
    }
  });

  it("should let docker's SIGKILL come only after the worker's own shutdown deadline", async () => {
    const worker = (await compose()).services['worker'];
    const graceMs = Number(worker?.environment?.['WORKER_SHUTDOWN_GRACE_MS']);
    expect(graceMs).toBeGreaterThan(0);
    expect(durationMs(worker?.stop_grace_period ?? '')).toBeGreaterThan(
      shutdownDeadlineMs(graceMs),
    );
  });

  it('should keep .env files, but not the example, out of every image', async () => {
    const lines = (await read('.dockerignore'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(lines).toEqual(
      expect.arrayContaining(['.env', '.env.*', '!.env.example', '**/.env', '**/.env.*']),
    );
    // An exception must come after the patterns it excepts: the last matching line wins.
    expect(lines.lastIndexOf('!.env.example')).toBeGreaterThan(lines.indexOf('.env.*'));
    expect(await read('.env.example')).toMatch(/^REDIS_PASSWORD=$/m);
  });

  it('should show a TLS rediss:// REDIS_URL with a password in the README', async () => {
    expect(await read('README.md')).toMatch(/REDIS_URL=rediss:\/\/:\$REDIS_PASSWORD@/);
  });
});
