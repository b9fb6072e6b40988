import os from 'node:os';
import type { Database } from '@aiq/db';
import type { Redis } from 'ioredis';

/** The machine and the servers' durability settings, recorded with every result. */
export interface Machine {
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly redis: {
    readonly version: string;
    /** `CONFIG GET appendonly` / `appendfsync` / `save`: what a write costs in persistence. */
    readonly appendonly: string;
    readonly appendfsync: string;
    readonly save: string;
  };
  readonly postgres: {
    readonly version: string;
    readonly fsync: string;
    readonly synchronousCommit: string;
  };
}

async function redisSetting(redis: Redis, name: string): Promise<string> {
  // CONFIG GET answers [name, value]; a managed Redis that forbids CONFIG says so here.
  const reply = (await redis.config('GET', name).catch(() => [])) as string[];
  return reply[1] ?? 'unknown (CONFIG GET refused)';
}

function redisVersion(info: string): string {
  return /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
}

async function postgresSetting(database: Database, name: string): Promise<string> {
  const [row] = await database.query<{ value: string }>(
    `SELECT setting AS value FROM pg_settings WHERE name = $1`,
    [name],
  );
  return row?.value ?? 'unknown';
}

/** The 1, 5 and 15 minute load averages: how busy the host is with other work. */
export function loadAverage(): number[] {
  return os.loadavg().map((value) => Math.round(value * 100) / 100);
}

/** Reads the machine, Redis's persistence and Postgres's durability settings. */
export async function describeMachine(redis: Redis, database: Database): Promise<Machine> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    redis: {
      version: redisVersion(await redis.info('server')),
      appendonly: await redisSetting(redis, 'appendonly'),
      appendfsync: await redisSetting(redis, 'appendfsync'),
      save: await redisSetting(redis, 'save'),
    },
    postgres: {
      version: await postgresSetting(database, 'server_version'),
      fsync: await postgresSetting(database, 'fsync'),
      synchronousCommit: await postgresSetting(database, 'synchronous_commit'),
    },
  };
}
