import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** What `pnpm start` did about Redis. */
export type RedisOutcome =
  | { kind: 'found' }
  | { kind: 'started'; process: ChildProcess; dataDir: string }
  | { kind: 'unavailable'; message: string };

function answers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    // A Redis answers PING with +PONG, or -NOAUTH when it wants a password: either is Redis.
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^[+-]/.test(data.toString())));
  });
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Makes sure something answers at REDIS_URL. When nothing does, the URL is local and
 * `redis-server` is on PATH, starts one with the production settings of infra/redis.conf and
 * its data under `dataDir`.
 */
export async function ensureRedis(redisUrl: string, dataDir: string): Promise<RedisOutcome> {
  const url = new URL(redisUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 6379);
  if (await answers(host, port)) return { kind: 'found' };

  const howTo =
    'start one with `docker compose up -d redis`, or install the OS package (`apt-get install redis-server`, `brew install redis`), or set REDIS_URL';
  if (!LOCAL_HOSTS.has(url.hostname)) {
    return {
      kind: 'unavailable',
      message: `Nothing answers at REDIS_URL (${url.host}): ${howTo}.`,
    };
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return {
      kind: 'unavailable',
      message: `No Redis at ${url.host} and no redis-server on PATH: ${howTo}.`,
    };
  }
  const redisDir = path.join(dataDir, 'redis');
  await mkdir(redisDir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      host,
      '--dir',
      redisDir,
      // The production settings of infra/redis.conf: durable, and never evicting queued jobs.
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  // The last resort for exit paths that cannot wait for stopRedis (a second Ctrl-C, a shutdown
  // that overran): SIGTERM still lets Redis flush its append-only file on its own.
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  child.once('exit', () => process.off('exit', stopOnExit));
  const deadline = Date.now() + 10_000;
  while (!(await answers(host, port, 200))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      return {
        kind: 'unavailable',
        message: `redis-server did not start on port ${port}: ${howTo}.`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { kind: 'started', process: child, dataDir: redisDir };
}

/** Stops a Redis we started; SIGTERM makes it flush its append-only file first. */
export async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
