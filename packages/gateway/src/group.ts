/**
 * Group commit for the gateway's fsynced SQLite stores (the receipt journal, the volume ledger):
 * what is asked for in one turn of the event loop is written in one transaction, with one fsync,
 * and each caller's promise settles only once that transaction is committed (or failed: then
 * nothing of the group was written, and every caller is told).
 */
export class GroupCommit<T, R> {
  private waiting: { item: T; ok: (r: R) => void; fail: (e: unknown) => void }[] = []
  private scheduled = false

  /** `write` commits the whole group in one transaction and returns one result per item, in order. */
  constructor(private readonly write: (items: T[]) => R[]) {}

  add(item: T): Promise<R> {
    return new Promise((ok, fail) => {
      this.waiting.push({ item, ok, fail })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** Commits what is waiting now (the next turn does it anyway; close() calls it). */
  flush(): void {
    this.scheduled = false
    const group = this.waiting
    this.waiting = []
    if (group.length === 0) return
    let results: R[]
    try {
      results = this.write(group.map((g) => g.item))
    } catch (e) {
      for (const g of group) g.fail(e)
      return
    }
    for (const [i, g] of group.entries()) g.ok(results[i] as R)
  }
}
