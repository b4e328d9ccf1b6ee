/**
 * The provider gateway's ledger of rows answered per grant (issue 13, item 3). A grant's row
 * limit used to be checked against the chain's count, which grows only when receipts reach a
 * block: ten parallel fetches on a two-row grant all saw two rows left and got twenty. Now every
 * answer's rows are reserved here before the answer leaves — in one synchronous SQLite
 * transaction, so no other request interleaves (not even another process on the same home) —
 * and the reservation is committed (WAL, synchronous=FULL: fsynced) before `reserve`'s promise
 * resolves, so the limit also holds across a crash or restart and however late the receipts are.
 *
 * Group commit (issue 19), as the receipt journal does: the reservations asked for in one turn of
 * the event loop are made in one transaction, in the order asked, with one fsync; each caller's
 * promise resolves with its rows once that transaction is committed, and the caller answers only
 * then. The fsync no longer runs once per answer on the provider's event loop.
 *
 * Reconciliation: the chain's count (rows of receipts already recorded) is authoritative when it
 * is higher — receipts recorded before this ledger existed, or a ledger that was lost — and the
 * ledger is raised to it at the next reservation: used = max(chain, ledger).
 *
 * A store rather than a rewritten file: a reservation costs one row, not the whole ledger, and
 * there is no ceiling on the grants remembered; rows of grants expired for a day are pruned
 * (the gateway refuses an expired grant before it reserves).
 */
import { chmodSync, closeSync, existsSync, openSync, readFileSync, renameSync } from 'node:fs'
import { GovchainError } from '@govchain/core'
import Database from 'better-sqlite3'
import { GroupCommit } from './group.ts'

/** How long after a grant's expiry its row is kept (clock skew between gateway and chain). */
const VOLUME_PRUNE_AFTER_MS = 86_400_000
/** How often expired rows are pruned. */
const VOLUME_PRUNE_EVERY_MS = 3_600_000

const GRANT_HEX = /^[0-9a-f]{64}$/

interface Reservation {
  grant: string
  rowsMax: number
  chainUsed: number
  want: number
  expiresMs: number
}

export class VolumeLedger {
  private readonly db: Database.Database
  private readonly selectRows: Database.Statement<[string], { rows: number }>
  private readonly upsert: Database.Statement<[string, number, number]>
  private readonly reserveMany: Database.Transaction<(group: readonly Reservation[]) => number[]>
  private prunedAtMs = 0
  /** Reservations asked for in one turn: one transaction, one fsync (group.ts). */
  private readonly group: GroupCommit<Reservation, number>

  /** Opens (creating, 0600) the ledger at `path`; imports `legacyJsonPath` (the former volume.json) once. */
  constructor(path: string, legacyJsonPath?: string) {
    try {
      // Created 0600 before SQLite opens it: its journal files take the database file's mode.
      closeSync(openSync(path, 'a', 0o600))
      chmodSync(path, 0o600)
      this.db = new Database(path)
      this.db.pragma('journal_mode = WAL')
      // Every commit fsyncs the log: a reservation is on disk when reserve() returns.
      this.db.pragma('synchronous = FULL')
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS served (grant_id TEXT PRIMARY KEY, rows INTEGER NOT NULL, expires_ms INTEGER NOT NULL)',
      )
      this.db.exec('CREATE INDEX IF NOT EXISTS served_expiry ON served (expires_ms)')
    } catch (e) {
      // Refusing to start beats answering with the limits forgotten.
      throw new GovchainError('GATEWAY_CONFIG_INVALID', `cannot open the volume ledger ${path}: ${String(e)}`)
    }
    this.selectRows = this.db.prepare('SELECT rows FROM served WHERE grant_id = ?')
    this.upsert = this.db.prepare(
      'INSERT INTO served (grant_id, rows, expires_ms) VALUES (?, ?, ?) ' +
        'ON CONFLICT (grant_id) DO UPDATE SET rows = excluded.rows, expires_ms = excluded.expires_ms',
    )
    // In order: a later reservation on the same grant sees the rows of the earlier ones.
    this.reserveMany = this.db.transaction((group: readonly Reservation[]) =>
      group.map((r) => {
        const used = Math.max(r.chainUsed, this.selectRows.get(r.grant)?.rows ?? 0)
        const n = Math.max(0, Math.min(r.want, r.rowsMax - used))
        if (n > 0) this.upsert.run(r.grant, used + n, r.expiresMs)
        return n
      }),
    )
    this.group = new GroupCommit((items) => {
      this.prune()
      return this.reserveMany.immediate(items)
    })
    if (legacyJsonPath !== undefined && existsSync(legacyJsonPath)) this.importJson(legacyJsonPath)
  }

  /** Rows counted against the grant: the higher of the chain's count and this gateway's. */
  used(grantIdHex: string, chainRowsUsed: number): number {
    return Math.max(chainRowsUsed, this.selectRows.get(grantIdHex)?.rows ?? 0)
  }

  /**
   * Reserves up to `want` rows of a grant limited to `rowsMax` (expiring at `expiresMs`); resolves
   * with how many (0: used up) once the reservation is committed and fsynced, with the others
   * asked for in the same turn.
   */
  reserve(
    grantIdHex: string,
    rowsMax: number,
    chainRowsUsed: number,
    want: number,
    expiresMs: number,
  ): Promise<number> {
    if (!GRANT_HEX.test(grantIdHex))
      return Promise.reject(new GovchainError('INVALID_ARGUMENT', 'grant id is 32 bytes hex'))
    return this.group.add({ grant: grantIdHex, rowsMax, chainUsed: chainRowsUsed, want, expiresMs })
  }

  close(): void {
    if (this.db.open) this.group.flush()
    if (this.db.open) this.db.close()
  }

  private prune(): void {
    const now = Date.now()
    if (now - this.prunedAtMs < VOLUME_PRUNE_EVERY_MS) return
    this.prunedAtMs = now
    this.db.prepare('DELETE FROM served WHERE expires_ms < ?').run(now - VOLUME_PRUNE_AFTER_MS)
  }

  /**
   * The ledger's former format (one JSON object, grant → rows). Its grants' expiry is unknown, so
   * they are kept until a reservation on them records it; the file is then set aside.
   */
  private importJson(path: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'))
    } catch (e) {
      throw new GovchainError('GATEWAY_CONFIG_INVALID', `${path} is not a volume ledger: ${(e as Error).message}`)
    }
    if (typeof parsed !== 'object' || parsed === null)
      throw new GovchainError('GATEWAY_CONFIG_INVALID', `${path}: not an object`)
    this.db
      .transaction(() => {
        for (const [grant, rows] of Object.entries(parsed as Record<string, unknown>)) {
          if (!GRANT_HEX.test(grant) || !Number.isSafeInteger(rows) || (rows as number) < 0) continue
          const used = Math.max(rows as number, this.selectRows.get(grant)?.rows ?? 0)
          this.upsert.run(grant, used, Number.MAX_SAFE_INTEGER)
        }
      })
      .immediate()
    renameSync(path, `${path}.imported`)
  }
}
