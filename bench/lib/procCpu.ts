/**
 * CPU time of other processes on this machine, from /proc/<pid>/stat (utime + stime, in clock ticks
 * of 1/100 s on Linux): how the bench splits a scenario's CPU between the engine, the simulator and
 * the Postgres backends that served the engine. Returns 0 where /proc is not there (not Linux).
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export function processesCpuMs(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
}
