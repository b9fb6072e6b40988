import { readFile } from 'node:fs/promises';
import os from 'node:os';

/** Linux reports a process's CPU time in clock ticks of this length (`getconf CLK_TCK`: 100). */
const MS_PER_TICK = 10;

/**
 * CPU time (user + system) a process has used so far, in ms, from `/proc/<pid>/stat`. The
 * difference over a round, divided by the work done, is the cost per task: unlike a rate, it
 * barely moves when other work shares the cores. Undefined off Linux.
 */
async function processCpuMs(pid: number): Promise<number | undefined> {
  if (os.platform() !== 'linux') return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: fields are counted after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) * MS_PER_TICK;
}

/**
 * Runs `work` and returns its result with the CPU the processes `pids` spent meanwhile, in ms
 * (undefined off Linux).
 */
export async function measureCpu<T>(
  pids: readonly number[],
  work: () => Promise<T>,
): Promise<{ result: T; cpuMs: number | undefined }> {
  const read = async () => {
    const readings = await Promise.all(pids.map((pid) => processCpuMs(pid)));
    return readings.some((reading) => reading === undefined)
      ? undefined
      : readings.reduce<number>((sum, reading) => sum + (reading ?? 0), 0);
  };
  const before = await read();
  const result = await work();
  const after = await read();
  return {
    result,
    cpuMs: before === undefined || after === undefined ? undefined : after - before,
  };
}
