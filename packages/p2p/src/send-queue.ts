/**
 * A peer's outgoing queue, bounded in bytes. Two FIFOs: priority channels (consensus) go out
 * before normal ones (transaction gossip, block sync, status), and order is kept within each.
 *
 * Policy when a message does not fit (documented in docs/adr/0005-p2p-transport.md):
 *  - drop the oldest normal messages until it fits: gossip and sync are re-requested or
 *    re-gossiped, so losing them costs latency, not correctness;
 *  - if the queue is all priority messages and a normal message does not fit, drop that message;
 *  - if a priority message still does not fit, the peer is too slow to follow consensus and the
 *    caller disconnects it (P2P_SEND_QUEUE_FULL); it reconnects and catches up through sync.
 * Pure data structure: no I/O, no clock.
 */

export interface QueuedMessage {
  channel: number
  payload: Uint8Array
}

export type EnqueueResult = { kind: 'queued'; dropped: number } | { kind: 'dropped-new' } | { kind: 'overflow' }

class Fifo<T> {
  private items: (T | undefined)[] = []
  private head = 0
  get length(): number {
    return this.items.length - this.head
  }
  push(v: T): void {
    this.items.push(v)
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const v = this.items[this.head]
    this.items[this.head++] = undefined
    // Compact once the dead prefix dominates, so memory stays proportional to the live items.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return v
  }
}

/** Bytes a message occupies: its payload plus the 5-byte frame header. */
function messageBytes(m: QueuedMessage): number {
  return m.payload.length + 5
}

export class SendQueue {
  private readonly priority = new Fifo<QueuedMessage>()
  private readonly normal = new Fifo<QueuedMessage>()
  private bytes = 0
  private normalBytes = 0

  constructor(readonly bytesMax: number) {}

  get queuedBytes(): number {
    return this.bytes
  }
  get length(): number {
    return this.priority.length + this.normal.length
  }

  enqueue(m: QueuedMessage, isPriority: boolean): EnqueueResult {
    const size = messageBytes(m)
    // Would it fit even with every normal message dropped? If not, drop nothing.
    if (this.bytes - this.normalBytes + size > this.bytesMax) {
      return isPriority ? { kind: 'overflow' } : { kind: 'dropped-new' }
    }
    let dropped = 0
    while (this.bytes + size > this.bytesMax) {
      const old = this.normal.shift()!
      this.bytes -= messageBytes(old)
      this.normalBytes -= messageBytes(old)
      dropped++
    }
    if (isPriority) this.priority.push(m)
    else {
      this.normal.push(m)
      this.normalBytes += size
    }
    this.bytes += size
    return { kind: 'queued', dropped }
  }

  /** Next message to write: priority first. */
  dequeue(): QueuedMessage | undefined {
    const p = this.priority.shift()
    if (p !== undefined) {
      this.bytes -= messageBytes(p)
      return p
    }
    const n = this.normal.shift()
    if (n !== undefined) {
      this.bytes -= messageBytes(n)
      this.normalBytes -= messageBytes(n)
    }
    return n
  }
}
