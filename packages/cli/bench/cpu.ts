/**
 * CPU time of processes, for benchmarks on a shared machine: wall-clock rates move with what else
 * runs, CPU seconds per unit of work much less. Linux /proc only; elsewhere every figure is 0.
 */
import { readFileSync } from 'node:fs'

/** User and system CPU seconds a process has used so far (USER_HZ = 100 ticks per second). */
export function processCpu(pid: number | undefined): { user: number; system: number } {
  if (pid === undefined) return { user: 0, system: 0 }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 }
  } catch {
    return { user: 0, system: 0 } // not Linux, or the process is gone
  }
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number | undefined): number {
  const c = processCpu(pid)
  return c.user + c.system
}
