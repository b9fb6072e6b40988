import { readdir, readFile, readlink } from 'node:fs/promises';
import { Redis } from 'ioredis';

/**
 * Node flags that let the suite ask a process for a full garbage collection (SIGUSR2), so
 * memory is compared after the garbage is gone, not while it waits for V8's next major GC.
 * Nothing in aiq uses SIGUSR2.
 */
export const GC_ON_SIGUSR2 = [
  '--expose-gc',
  `--import=data:text/javascript,process.on('SIGUSR2',()=>globalThis.gc())`,
];

/** What one process holds, read from outside it. */
export interface Footprint {
  /** Resident set size (`VmRSS` of /proc/<pid>/status). */
  readonly rssBytes: number;
  /** `nodejs_heap_size_used_bytes` of its /metrics. */
  readonly heapUsedBytes: number;
  /** `nodejs_active_handles_total`: sockets, servers, timers, child processes… */
  readonly activeHandles: number;
  /** `aiq_sse_subscriptions` (APIs only): the open event streams it follows tasks for. */
  readonly sseSubscriptions: number | undefined;
  /** Its connections to Redis, by `CLIENT SETNAME` name (`(none)` for unnamed ones). */
  readonly redisClients: Readonly<Record<string, number>>;
}

/** One sample of a Prometheus text exposition (the sum over its label sets). */
function sample(body: string, name: string): number | undefined {
  const values = body
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib) * 1024;
}

/** Inodes of the sockets `pid` holds open. */
async function socketInodes(pid: number): Promise<Set<string>> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const links = await Promise.all(
    fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')),
  );
  return new Set(links.flatMap((link) => /^socket:\[(\d+)\]$/.exec(link)?.[1] ?? []));
}

/** The port of a /proc/net/tcp address (`0100007F:1F90`). */
const portOf = (address: string) =>
  Number.parseInt(address.slice(address.lastIndexOf(':') + 1), 16);

/**
 * Local TCP port → socket inode, for the open sockets connected to `remotePort`. Closed ones
 * (TIME_WAIT, inode 0) are skipped: an earlier connection's may share a live one's port.
 */
async function tcpInodesByLocalPort(remotePort: number): Promise<Map<number, string>> {
  const byPort = new Map<number, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, remote, , , , , , , inode] = line.trim().split(/\s+/);
      if (local === undefined || remote === undefined || inode === undefined) continue;
      if (inode === '0' || portOf(remote) !== remotePort) continue;
      byPort.set(portOf(local), inode);
    }
  }
  return byPort;
}

/**
 * Each process's Redis connections by name: `CLIENT LIST` gives each client's address, and the
 * kernel says which process owns the socket at that port.
 */
async function redisClientsByProcess(
  redisUrl: string,
  pids: readonly number[],
): Promise<Map<number, Record<string, number>>> {
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let list: string;
  try {
    list = String(await admin.call('CLIENT', 'LIST'));
  } finally {
    admin.disconnect();
  }
  const byPort = await tcpInodesByLocalPort(Number(new URL(redisUrl).port));
  const owners = await Promise.all(
    pids.map(async (pid) => [pid, await socketInodes(pid)] as const),
  );
  const counts = new Map<number, Record<string, number>>(pids.map((pid) => [pid, {}]));
  for (const line of list.split('\n')) {
    const port = Number(/ addr=[^ ]*:(\d+) /.exec(` ${line}`)?.[1]);
    const name = / name=([^ ]*) /.exec(` ${line} `)?.[1] || '(none)';
    const inode = byPort.get(port);
    const owner = owners.find(([, inodes]) => inode !== undefined && inodes.has(inode));
    const count = owner === undefined ? undefined : counts.get(owner[0]);
    if (count !== undefined) count[name] = (count[name] ?? 0) + 1;
  }
  return counts;
}

/** Asks each process for a full GC (see {@link GC_ON_SIGUSR2}), twice, and lets them settle. */
export async function collectGarbage(pids: readonly number[]): Promise<void> {
  for (let round = 0; round < 2; round += 1) {
    for (const pid of pids) process.kill(pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface MeasuredProcess {
  readonly pid: number;
  /** Its /metrics (the API's needs an operator key: `headers`). */
  readonly metricsUrl: string;
  readonly headers?: Record<string, string>;
}

/** Each process's footprint, in the order given. */
export async function measureFootprints(
  redisUrl: string,
  processes: readonly MeasuredProcess[],
): Promise<Footprint[]> {
  const clients = await redisClientsByProcess(
    redisUrl,
    processes.map((process) => process.pid),
  );
  return Promise.all(
    processes.map(async ({ pid, metricsUrl, headers = {} }) => {
      const response = await fetch(metricsUrl, { headers });
      const body = await response.text();
      if (!response.ok) throw new Error(`${metricsUrl}: ${response.status} ${body}`);
      return {
        rssBytes: await residentBytes(pid),
        heapUsedBytes: sample(body, 'nodejs_heap_size_used_bytes') ?? Number.NaN,
        activeHandles: sample(body, 'nodejs_active_handles_total') ?? Number.NaN,
        sseSubscriptions: sample(body, 'aiq_sse_subscriptions'),
        redisClients: clients.get(pid) ?? {},
      };
    }),
  );
}
