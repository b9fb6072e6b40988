import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** A PostgreSQL server this test owns and may stop and start; never the shared one. */
export interface OwnPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  readonly port: number;
  /** Stops the server at once (`pg_ctl stop -m immediate`), as a crash or outage would. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export interface OwnPostgresOptions {
  /** @defaultValue `/usr/lib/postgresql/15/bin` */
  binDir?: string;
  /** The OS user that runs the server: initdb and postgres refuse to run as root. @defaultValue 'postgres' */
  osUser?: string;
}

/**
 * Starts a throw-away PostgreSQL (initdb + pg_ctl) on a free port, for fault tests that stop
 * the database. Runs the server as `osUser` through `runuser` when this process is root.
 * Durability is off (`fsync=off`): the data only has to outlive a stop/start, not a power cut.
 */
export async function startOwnPostgres({
  binDir = '/usr/lib/postgresql/15/bin',
  osUser = 'postgres',
}: OwnPostgresOptions = {}): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aiq-postgres-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', osUser]);
    const { stdout: group } = await run('id', ['-g', osUser]);
    await chown(dir, Number(stdout.trim()), Number(group.trim()));
  }
  const exec = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', osUser, '--', path.join(binDir, tool), ...args])
      : run(path.join(binDir, tool), args);

  await exec('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = async () => {
    await exec('pg_ctl', [
      '-D',
      dataDir,
      '-o',
      serverOptions,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      'start',
    ]);
  };
  const stop = async () => {
    await exec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(
      () => undefined, // already stopped
    );
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
