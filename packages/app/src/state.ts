/**
 * State overlays over the sparse Merkle tree.
 *
 * A block reads the tree at its parent's root and collects every write in a BlockState; the
 * tree is updated once, at the end of the block, with all of them (one batched update instead
 * of one per write). Each transaction writes into a TxState on top: on success its writes are
 * merged into the block, on failure they are dropped, so a failed transaction changes nothing.
 *
 * Keys in the tree are `<module>/<key>` (UTF-8 module name, a slash, the module's key bytes);
 * module names cannot contain a slash, so no module can name another module's keys.
 */
import { bytesKey, GovchainError, type SparseMerkleTree, stateKey } from '@govchain/core'
import type { ModuleState } from './module.ts'
import type { ExecutionParams } from './params.ts'

export { stateKey }

interface Write {
  key: Uint8Array
  value: Uint8Array | undefined
}

export interface StateReader {
  get(fullKey: Uint8Array): Uint8Array | undefined
}

/** Reads through to the tree at the parent root; caches reads; collects the block's writes. */
export class BlockState implements StateReader {
  private readonly writes = new Map<string, Write>()
  private readonly reads = new Map<string, Uint8Array | undefined>()

  constructor(
    private readonly tree: SparseMerkleTree,
    private readonly parentRoot: Uint8Array,
  ) {}

  get(fullKey: Uint8Array): Uint8Array | undefined {
    const h = bytesKey(fullKey)
    const w = this.writes.get(h)
    if (w !== undefined) return w.value
    if (this.reads.has(h)) return this.reads.get(h)
    const v = this.tree.get(this.parentRoot, fullKey)
    this.reads.set(h, v)
    return v
  }

  set(fullKey: Uint8Array, value: Uint8Array | undefined): void {
    this.writes.set(bytesKey(fullKey), { key: fullKey, value })
  }

  merge(writes: Iterable<Write>): void {
    for (const w of writes) this.set(w.key, w.value)
  }

  /**
   * Every write of the block, in key order (the tree's result does not depend on order; logs and
   * tests do). The map keys are latin1 strings, whose order is the bytes' order.
   */
  changes(): [Uint8Array, Uint8Array | undefined][] {
    return [...this.writes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, w]) => [w.key, w.value])
  }
}

/** One transaction's writes over the block state. */
export class TxState implements StateReader {
  private readonly writes = new Map<string, Write>()

  constructor(
    private readonly parent: StateReader,
    private readonly params: ExecutionParams,
  ) {}

  get(fullKey: Uint8Array): Uint8Array | undefined {
    const w = this.writes.get(bytesKey(fullKey))
    if (w !== undefined) return w.value
    return this.parent.get(fullKey)
  }

  put(fullKey: Uint8Array, value: Uint8Array | undefined): void {
    const h = bytesKey(fullKey)
    if (!this.writes.has(h) && this.writes.size >= this.params.maxWritesPerTx) {
      throw new GovchainError('EXEC_STATE_LIMIT', `more than ${this.params.maxWritesPerTx} keys written`)
    }
    this.writes.set(h, { key: fullKey, value })
  }

  entries(): Iterable<Write> {
    return this.writes.values()
  }

  /** The module-scoped view a handler gets. Keys and values are checked and copied. */
  scoped(module: string): ModuleState {
    return new ScopedState(this, module, this.params)
  }
}

/**
 * A TxState seen from one module (its keys under `<module>/`). A class rather than an object of
 * closures: one is made for every transaction, and its methods then cost nothing to create.
 */
class ScopedState implements ModuleState {
  constructor(
    private readonly tx: TxState,
    private readonly module: string,
    private readonly params: ExecutionParams,
  ) {}

  private full(key: Uint8Array): Uint8Array {
    if (!(key instanceof Uint8Array) || key.length === 0 || key.length > this.params.maxStateKeyBytes) {
      throw new GovchainError('EXEC_STATE_LIMIT', `state keys are 1-${this.params.maxStateKeyBytes} bytes`)
    }
    return stateKey(this.module, key)
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.tx.get(this.full(key))?.slice()
  }

  has(key: Uint8Array): boolean {
    return this.tx.get(this.full(key)) !== undefined
  }

  set(key: Uint8Array, value: Uint8Array): void {
    if (!(value instanceof Uint8Array) || value.length > this.params.maxStateValueBytes) {
      throw new GovchainError('EXEC_STATE_LIMIT', `state values are at most ${this.params.maxStateValueBytes} bytes`)
    }
    this.tx.put(this.full(key), value.slice())
  }

  delete(key: Uint8Array): void {
    this.tx.put(this.full(key), undefined)
  }
}
