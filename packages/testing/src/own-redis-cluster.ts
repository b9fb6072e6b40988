import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** One redis-server of the cluster. */
interface ClusterNode {
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
}

/** What {@link OwnRedisCluster.killMasterOf} did. */
export interface Failover {
  readonly killedPort: number;
  readonly promotedPort: number;
  /** From the SIGKILL until a surviving node serves the key's slot again. */
  readonly ms: number;
}

/** A Redis Cluster this test owns (3 masters, a replica each); never the shared Redis. */
export interface OwnRedisCluster {
  /** A replica's URL at start: a seed that {@link killMasterOf} never kills. */
  readonly url: string;
  readonly ports: readonly number[];
  /** SIGKILLs the master serving `key`'s slot and waits until its replica has taken over. */
  killMasterOf(key: string, timeoutMs?: number): Promise<Failover>;
  /** Stops every node and deletes their data. */
  stop(): Promise<void>;
}

export interface OwnRedisClusterOptions {
  /** Extra `redis-server` arguments for every node, e.g. `['--appendonly', 'yes']`. */
  args?: string[];
  /** How long a master may be silent before its replica is promoted. @defaultValue 2000 */
  nodeTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks one node, on a short-lived connection that gives up at once (the node may be dead). */
async function ask(port: number, ...command: [string, ...string[]]): Promise<unknown> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined); // refused while the node starts or after it died
  try {
    await redis.connect();
    return await redis.call(...command);
  } finally {
    redis.disconnect();
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** `port` of the master that serves `slot`, as `CLUSTER SLOTS` on `askPort` sees it. */
async function masterOf(askPort: number, slot: number): Promise<number | undefined> {
  const ranges = (await ask(askPort, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const range = ranges.find(([from, to]) => from <= slot && slot <= to);
  return range?.[2][1];
}

async function startNode(args: readonly string[], nodeTimeoutMs: number): Promise<ClusterNode> {
  const port = await freePort();
  // The bus port is set, not left at port + 10000, which may be taken or past 65535.
  const busPort = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aiq-redis-cluster-'));
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1'],
      ...['--dir', dir, '--save', '', '--cluster-enabled', 'yes'],
      ...['--cluster-config-file', 'nodes.conf', '--repl-diskless-sync-delay', '0'],
      ...['--cluster-node-timeout', String(nodeTimeoutMs)],
      ...args,
    ],
    { stdio: 'ignore' },
  );
  await until('a node answers PING', 10_000, async () => (await ask(port, 'PING')) === 'PONG');
  return { port, dir, child };
}

async function killNode(node: ClusterNode): Promise<void> {
  const { child } = node;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Starts six `redis-server --cluster-enabled yes` on free ports, each in its own directory,
 * and joins them with `redis-cli --cluster create … --cluster-replicas 1`: three masters
 * sharing the 16384 slots, each with one replica.
 */
export async function startOwnRedisCluster({
  args = [],
  nodeTimeoutMs = 2_000,
}: OwnRedisClusterOptions = {}): Promise<OwnRedisCluster> {
  const nodes = await Promise.all(Array.from({ length: 6 }, () => startNode(args, nodeTimeoutMs)));
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  await run('redis-cli', [
    '--cluster',
    'create',
    ...addresses,
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  await until('every node reports cluster_state:ok', 20_000, async () => {
    const infos = await Promise.all(nodes.map((node) => ask(node.port, 'CLUSTER', 'INFO')));
    return infos.every((info) => String(info).includes('cluster_state:ok'));
  });
  // A replica that never synced with its master refuses to replace it (its data has no age).
  await until('every replica has synced', 20_000, async () => {
    const infos = await Promise.all(nodes.map((node) => ask(node.port, 'INFO', 'replication')));
    const replicas = infos.map(String).filter((info) => info.includes('role:slave'));
    return (
      replicas.length === 3 && replicas.every((info) => info.includes('master_link_status:up'))
    );
  });
  // `--cluster create` makes the first three addresses masters and the others replicas.
  const seed = nodes[5];
  if (seed === undefined) throw new Error('Redis Cluster: no node');

  return {
    url: `redis://127.0.0.1:${seed.port}`,
    ports: nodes.map((node) => node.port),
    async killMasterOf(key, timeoutMs = 20_000) {
      const slot = Number(await ask(seed.port, 'CLUSTER', 'KEYSLOT', key));
      const killedPort = await masterOf(seed.port, slot);
      const victim = nodes.find((node) => node.port === killedPort);
      if (victim === undefined || killedPort === undefined) {
        throw new Error(`Redis Cluster: no master serves slot ${slot}`);
      }
      const killedAt = Date.now();
      await killNode(victim);
      let promotedPort = killedPort;
      await until(`a replica takes over slot ${slot}`, timeoutMs, async () => {
        promotedPort = (await masterOf(seed.port, slot)) ?? killedPort;
        const info = String(await ask(seed.port, 'CLUSTER', 'INFO'));
        return promotedPort !== killedPort && info.includes('cluster_state:ok');
      });
      return { killedPort, promotedPort, ms: Date.now() - killedAt };
    },
    async stop() {
      await Promise.all(nodes.map(killNode));
      await Promise.all(nodes.map((node) => rm(node.dir, { recursive: true, force: true })));
    },
  };
}
