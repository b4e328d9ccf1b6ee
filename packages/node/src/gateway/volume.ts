/**
 * The provider gateway's ledger of rows answered per grant (issue 13, item 3). A grant's row
 * limit used to be checked against the chain's count, which grows only when receipts reach a
 * block: ten parallel fetches on a two-row grant all saw two rows left and got twenty. Now a
 * fetch reserves its rows here first — in one synchronous step, so no other request interleaves —
 * and the reservation is on disk (written, fsynced and renamed into place) before the query
 * runs, so the limit also holds across a crash or restart and however late the receipts are.
 *
 * Reconciliation: the chain's count (rows of receipts already recorded) is a floor. Only this
 * gateway serves its grants, so its own count is normally the higher; if the ledger was lost,
 * the chain's count takes over: used = max(chain, ledger).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { GovchainError } from '@govchain/core'

/** Grants the ledger remembers; beyond it the oldest entries give way (their grants expire first). */
export const VOLUME_LEDGER_GRANTS_MAX = 100_000

export class VolumeLedger {
  private readonly served = new Map<string, number>()

  constructor(private readonly path: string) {
    if (!existsSync(path)) return
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'))
    } catch (e) {
      // Refusing to start beats answering with the limits forgotten.
      throw new GovchainError('CONFIG_INVALID', `${path} is not a volume ledger: ${(e as Error).message}`)
    }
    if (typeof parsed !== 'object' || parsed === null)
      throw new GovchainError('CONFIG_INVALID', `${path}: not an object`)
    for (const [grant, rows] of Object.entries(parsed as Record<string, unknown>)) {
      if (/^[0-9a-f]{64}$/.test(grant) && Number.isSafeInteger(rows) && (rows as number) >= 0) {
        this.served.set(grant, rows as number)
      }
    }
  }

  /** Rows counted against the grant: the higher of the chain's count and this gateway's. */
  used(grantIdHex: string, chainRowsUsed: number): number {
    return Math.max(chainRowsUsed, this.served.get(grantIdHex) ?? 0)
  }

  /**
   * Reserves up to `want` rows of a grant limited to `rowsMax`; returns how many (0: used up).
   * Durable when it returns.
   */
  reserve(grantIdHex: string, rowsMax: number, chainRowsUsed: number, want: number): number {
    const used = this.used(grantIdHex, chainRowsUsed)
    const n = Math.max(0, Math.min(want, rowsMax - used))
    if (n === 0) return 0
    this.served.delete(grantIdHex) // re-inserted last: Map order is the eviction order
    this.served.set(grantIdHex, used + n)
    while (this.served.size > VOLUME_LEDGER_GRANTS_MAX) this.served.delete(this.served.keys().next().value!)
    this.persist()
    return n
  }

  /** Gives back reserved rows that were not delivered (fewer rows matched, or the query failed). */
  release(grantIdHex: string, rows: number): void {
    if (rows <= 0) return
    const now = this.served.get(grantIdHex)
    if (now === undefined) return
    this.served.set(grantIdHex, Math.max(0, now - rows))
    this.persist()
  }

  private persist(): void {
    const tmp = `${this.path}.tmp`
    const fd = openSync(tmp, 'w', 0o600)
    try {
      writeSync(fd, JSON.stringify(Object.fromEntries(this.served)))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.path)
    const dir = openSync(dirname(this.path), 'r')
    try {
      fsyncSync(dir)
    } finally {
      closeSync(dir)
    }
  }
}
