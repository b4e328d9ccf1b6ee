/** A binary min-heap of events ordered by (time, insertion sequence): ties keep FIFO order, so runs are deterministic. */
export class EventQueue<T> {
  private times: number[] = []
  private seqs: number[] = []
  private items: T[] = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  push(time: number, item: T): void {
    this.times.push(time)
    this.seqs.push(this.seq++)
    this.items.push(item)
    let i = this.items.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(i, p)) break
      this.swap(i, p)
      i = p
    }
  }

  /** Time of the earliest event, or undefined when empty. */
  peekTime(): number | undefined {
    return this.times[0]
  }

  pop(): { time: number; item: T } | undefined {
    const n = this.items.length
    if (n === 0) return undefined
    const time = this.times[0]!
    const item = this.items[0]!
    this.swap(0, n - 1)
    this.times.pop()
    this.seqs.pop()
    this.items.pop()
    let i = 0
    const m = this.items.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let s = i
      if (l < m && this.less(l, s)) s = l
      if (r < m && this.less(r, s)) s = r
      if (s === i) break
      this.swap(i, s)
      i = s
    }
    return { time, item }
  }

  private less(i: number, j: number): boolean {
    const ti = this.times[i]!
    const tj = this.times[j]!
    return ti < tj || (ti === tj && this.seqs[i]! < this.seqs[j]!)
  }

  private swap(i: number, j: number): void {
    if (i === j) return
    const t = this.times[i]!
    this.times[i] = this.times[j]!
    this.times[j] = t
    const s = this.seqs[i]!
    this.seqs[i] = this.seqs[j]!
    this.seqs[j] = s
    const x = this.items[i]!
    this.items[i] = this.items[j]!
    this.items[j] = x
  }
}
