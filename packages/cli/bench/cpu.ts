/**
 * CPU time of processes, for benchmarks on a shared machine: wall-clock rates move with what else
 * runs, CPU seconds per unit of work much less. Linux /proc only; elsewhere every figure is 0.
 * And the machine's own speed at the moment, in signature verifications per second on one core:
 * this VM runs a fifth to a half faster or slower from hour to hour, so a benchmark prints it
 * beside its figures and CPU per unit of work can be compared across sittings in those units.
 */
import { readFileSync } from 'node:fs'
import type { CryptoSuite } from '@govchain/core'

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

/**
 * Verifications per second on one core. `repeatKey`: one key over and over, as a validator sees
 * the benchmark's senders (and a department's operators). Otherwise a new key each time (a key
 * seen for the first time: the key is parsed, and for gm its Z_A computed). Neither suite keeps
 * per-key tables any more (ADR 0035), so the two differ by that parsing only.
 */
export function measureVerifyPerSec(suite: CryptoSuite, ms: number, repeatKey: boolean): number {
  // About the size of a signed anchor transaction's signing bytes.
  const message = new Uint8Array(160).map((_, i) => i)
  const pool = Array.from({ length: repeatKey ? 1 : 256 }, () => {
    const kp = suite.generateKeyPair()
    return { publicKey: kp.publicKey, signature: suite.sign(kp.privateKey, message) }
  })
  let turn = 0
  const once = () => {
    const k = pool[turn++ % pool.length]!
    if (!suite.verify(k.publicKey, message, k.signature)) throw new Error('verify')
  }
  if (!repeatKey) {
    // Keys the cache has not seen: fresh ones per round, made outside the timed loop.
    const fresh = () => {
      for (const k of pool) {
        const kp = suite.generateKeyPair()
        k.publicKey = kp.publicKey
        k.signature = suite.sign(kp.privateKey, message)
      }
    }
    let n = 0
    let spent = 0
    while (spent < ms) {
      fresh()
      const t0 = performance.now()
      for (let i = 0; i < pool.length; i++) once()
      spent += performance.now() - t0
      n += pool.length
    }
    return (n * 1000) / spent
  }
  const warm = performance.now()
  while (performance.now() - warm < Math.min(300, ms / 5)) once()
  let n = 0
  const t0 = performance.now()
  let t = t0
  while (t - t0 < ms) {
    for (let i = 0; i < 16; i++) once()
    n += 16
    t = performance.now()
  }
  return (n * 1000) / (t - t0)
}
