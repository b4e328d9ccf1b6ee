/**
 * The provider gateway's receipt journal (ADR 0036): every receipt it acknowledges is written
 * here — SQLite, WAL, synchronous=FULL, so fsynced — before the acknowledgement goes out, and
 * stays until the gateway has seen it committed on chain. A crash or restart between the
 * acknowledgement and the batch's commit loses nothing: the next start resubmits what the
 * journal still holds (after asking the chain which of them are recorded already).
 *
 * Writes are group-committed: appends that arrive while the event loop is busy go into one
 * transaction and one fsync, and each caller's promise settles when that transaction is durable.
 * A receipt the chain refused on its own (a batch of one) is kept, marked with the code, for the
 * operator; it is never resubmitted.
 *
 * A receipt is also journaled, marked awaiting, when the provider serves it — before the answer
 * leaves the process — and not only once the consumer countersigns it: the data is out from that
 * instant, so a crash before the countersignature (or before `ackTimeoutMs`) must not lose the
 * access. The countersigned (or, after the timeout, provider-only) receipt then replaces the
 * awaiting row; a restart records the awaiting rows it finds provider-only (ADR 0036).
 */
import { chmodSync, closeSync, openSync } from 'node:fs'
import { codec, GovchainError } from '@govchain/core'
import { SharingReceiptArgs } from '@govchain/sharing/schema'
import Database from 'better-sqlite3'
import { GroupCommit } from './group.ts'

export interface JournalEntry {
  /** The receipt id (hash of its body), hex. */
  id: string
  args: SharingReceiptArgs
}

export class ReceiptJournal {
  private readonly db: Database.Database
  private readonly insertMany: Database.Transaction<(rows: { entry: JournalEntry; awaiting: boolean }[]) => void>
  private readonly deleteMany: Database.Transaction<(ids: readonly string[]) => void>
  private readonly reject: Database.Statement<[string, string]>
  private readonly selectPending: Database.Statement<[], { id: string; args: Buffer }>
  private readonly selectAwaiting: Database.Statement<[], { id: string }>
  private readonly releaseMany: Database.Transaction<(ids: readonly string[]) => void>
  /** Appends of one turn: one transaction, one fsync (group.ts). */
  private readonly group: GroupCommit<{ entry: JournalEntry; awaiting: boolean }, void>

  /** Opens (creating, 0600) the journal at `path`. */
  constructor(path: string) {
    try {
      closeSync(openSync(path, 'a', 0o600))
      chmodSync(path, 0o600)
      this.db = new Database(path)
      this.db.pragma('journal_mode = WAL')
      // Every commit fsyncs the log: an acknowledged receipt is on disk.
      this.db.pragma('synchronous = FULL')
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS receipts (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, ' +
          'args BLOB NOT NULL, rejected TEXT, awaiting INTEGER NOT NULL DEFAULT 0)',
      )
      // A journal from before awaiting rows existed gains the column (all its rows are complete).
      const columns = this.db.prepare('PRAGMA table_info(receipts)').all() as { name: string }[]
      if (!columns.some((c) => c.name === 'awaiting'))
        this.db.exec('ALTER TABLE receipts ADD COLUMN awaiting INTEGER NOT NULL DEFAULT 0')
    } catch (e) {
      // Refusing to start beats acknowledging receipts that could be lost.
      throw new GovchainError('GATEWAY_CONFIG_INVALID', `cannot open the receipt journal ${path}: ${String(e)}`)
    }
    // Awaiting: a new row, never over one that exists. Complete: a new row, or the complete
    // receipt replacing its awaiting row; a complete row is never replaced.
    const insertAwaiting = this.db.prepare('INSERT OR IGNORE INTO receipts (id, args, awaiting) VALUES (?, ?, 1)')
    const insertComplete = this.db.prepare(
      'INSERT INTO receipts (id, args, awaiting) VALUES (?, ?, 0) ' +
        'ON CONFLICT(id) DO UPDATE SET args = excluded.args, awaiting = 0 WHERE receipts.awaiting = 1',
    )
    this.insertMany = this.db.transaction((rows: { entry: JournalEntry; awaiting: boolean }[]) => {
      for (const r of rows)
        (r.awaiting ? insertAwaiting : insertComplete).run(
          r.entry.id,
          Buffer.from(codec.encode(SharingReceiptArgs, r.entry.args)),
        )
    })
    this.group = new GroupCommit<{ entry: JournalEntry; awaiting: boolean }, void>((rows) => {
      try {
        this.insertMany(rows)
      } catch (e) {
        throw new GovchainError('GATEWAY_CONNECTOR_ERROR', `receipt journal: ${String(e)}`)
      }
      return rows.map(() => undefined)
    })
    const release = this.db.prepare('UPDATE receipts SET awaiting = 0 WHERE id = ?')
    this.releaseMany = this.db.transaction((ids: readonly string[]) => {
      for (const id of ids) release.run(id)
    })
    const del = this.db.prepare('DELETE FROM receipts WHERE id = ?')
    this.deleteMany = this.db.transaction((ids: readonly string[]) => {
      for (const id of ids) del.run(id)
    })
    this.reject = this.db.prepare('UPDATE receipts SET rejected = ? WHERE id = ?')
    this.selectPending = this.db.prepare(
      'SELECT id, args FROM receipts WHERE rejected IS NULL AND awaiting = 0 ORDER BY seq',
    )
    this.selectAwaiting = this.db.prepare(
      'SELECT id FROM receipts WHERE rejected IS NULL AND awaiting = 1 ORDER BY seq',
    )
  }

  /**
   * Durably records a receipt; resolves once it is fsynced (with others written in the same turn).
   * `awaiting`: served, not yet countersigned (kept out of `pending()` until completed or released).
   */
  append(entry: JournalEntry, awaiting = false): Promise<void> {
    return this.group.add({ entry, awaiting })
  }

  /** Receipts not yet seen committed nor refused, oldest first (what a restart resubmits). */
  pending(): JournalEntry[] {
    return this.selectPending
      .all()
      .map((r) => ({ id: r.id, args: codec.decode(SharingReceiptArgs, new Uint8Array(r.args)) }))
  }

  /** Ids of receipts served and still awaiting their countersignature, oldest first. */
  awaiting(): string[] {
    return this.selectAwaiting.all().map((r) => r.id)
  }

  /**
   * Receipts awaiting a countersignature that will not come (a restart lost the consumer's
   * acknowledgement): recorded provider-only, as they are (synchronous, one fsynced transaction).
   */
  release(ids: readonly string[]): void {
    if (ids.length > 0) this.releaseMany(ids)
  }

  /** Receipts seen committed: forgotten. */
  remove(ids: readonly string[]): void {
    if (ids.length > 0) this.deleteMany(ids)
  }

  /** A receipt the chain refused on its own: kept with its code for the operator, never resubmitted. */
  markRejected(id: string, code: string): void {
    this.reject.run(code, id)
  }

  /** Rows the journal holds, refused ones included (tests, the operator). */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM receipts').get() as { n: number }).n
  }

  close(): void {
    this.group.flush()
    this.db.close()
  }
}
