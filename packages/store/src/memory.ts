/**
 * In-memory ChainStore: for tests, the simulator-style tools and light uses. Same contract as
 * the LMDB store except durability (nothing survives the process). Passes the same
 * compliance suite.
 */
import {
  Block,
  type BlockHeader,
  CommitCertificate,
  GovchainError,
  type TxResult,
  TxResults,
  toHex,
} from '@govchain/core'
import {
  checkRecordName,
  checkRecordValue,
  decodeStored,
  heightKey,
  MetaRecord,
  TxIndexRecord,
  txIndexHead,
} from './encoding.ts'
import { planCommit } from './plan.ts'
import {
  BASE_RECORD,
  baseHeight,
  type ChainMeta,
  type ChainStore,
  type CommitBlockInput,
  PENDING_SCAN_MAX,
  type PendingTx,
  SCAN_LIMIT_MAX,
  type StoredTxResult,
} from './types.ts'

const copy = (b: Uint8Array | undefined): Uint8Array | undefined => (b === undefined ? undefined : b.slice())

export class MemoryChainStore implements ChainStore {
  private readonly nodes = new Map<string, Uint8Array>()
  private readonly blocks = new Map<number, Uint8Array>()
  private readonly hashes = new Map<string, number>()
  private readonly certificates = new Map<number, Uint8Array>()
  private readonly results = new Map<number, Uint8Array>()
  private readonly txIndex = new Map<string, Uint8Array>()
  private readonly index = new Map<string, { key: Uint8Array; value: Uint8Array }>()
  private readonly records = new Map<string, Uint8Array>()
  private readonly pending = new Map<string, PendingTx>()
  private metaBytes: Uint8Array | undefined
  private closed = false

  private open(): void {
    if (this.closed) throw new GovchainError('STORE_CLOSED')
  }

  /** Shared, immutable node bytes (see ChainStore): the tree reads these on every walk. */
  get(nodeHash: Uint8Array): Uint8Array | undefined {
    this.open()
    return this.nodes.get(toHex(nodeHash))
  }

  meta(): ChainMeta | undefined {
    this.open()
    return this.metaBytes === undefined ? undefined : decodeStored(MetaRecord, this.metaBytes, 'meta')
  }

  latestHeight(): number {
    return this.meta()?.height ?? 0
  }

  getBlockBytes(height: number): Uint8Array | undefined {
    this.open()
    return copy(this.blocks.get(height))
  }

  getBlock(height: number): Block | undefined {
    const b = this.getBlockBytes(height)
    return b === undefined ? undefined : decodeStored(Block, b, 'block')
  }

  getHeader(height: number): BlockHeader | undefined {
    return this.getBlock(height)?.header
  }

  getHeightByHash(blockHash: Uint8Array): number | undefined {
    this.open()
    return this.hashes.get(toHex(blockHash))
  }

  getCertificate(height: number): CommitCertificate | undefined {
    this.open()
    const b = this.certificates.get(height)
    return b === undefined ? undefined : decodeStored(CommitCertificate, b, 'certificate')
  }

  getResults(height: number): TxResult[] | undefined {
    this.open()
    const b = this.results.get(height)
    return b === undefined ? undefined : decodeStored(TxResults, b, 'results')
  }

  getTxResult(txHash: Uint8Array): StoredTxResult | undefined {
    this.open()
    const b = this.txIndex.get(toHex(txHash))
    if (b === undefined) return undefined
    return { txHash: txHash.slice(), ...decodeStored(TxIndexRecord, b, 'tx index record') }
  }

  getTxCommit(txHash: Uint8Array): { height: number; code: string } | undefined {
    this.open()
    const b = this.txIndex.get(toHex(txHash))
    return b === undefined ? undefined : txIndexHead(b)
  }

  getIndex(key: Uint8Array): Uint8Array | undefined {
    this.open()
    return copy(this.index.get(toHex(key))?.value)
  }

  scanIndex(prefix: Uint8Array, limit: number, after?: Uint8Array): { key: Uint8Array; value: Uint8Array }[] {
    this.open()
    const n = Math.max(0, Math.min(Math.floor(limit), SCAN_LIMIT_MAX))
    const p = toHex(prefix)
    const a = after === undefined ? undefined : toHex(after)
    // Hex preserves byte order, so a sorted walk over hex keys is a walk in key order.
    const keys = [...this.index.keys()].filter((k) => k.startsWith(p) && (a === undefined || k > a)).sort()
    return keys.slice(0, n).map((k) => {
      const e = this.index.get(k)!
      return { key: e.key.slice(), value: e.value.slice() }
    })
  }

  getRecord(name: string): Uint8Array | undefined {
    this.open()
    checkRecordName(name)
    return copy(this.records.get(name))
  }

  putPendingSync(txs: readonly PendingTx[]): void {
    this.open()
    for (const t of txs) this.pending.set(toHex(t.txHash), { txHash: t.txHash.slice(), bytes: t.bytes.slice() })
  }

  putPending(txs: readonly PendingTx[]): Promise<void> {
    try {
      this.putPendingSync(txs)
      return Promise.resolve()
    } catch (e) {
      return Promise.reject(e)
    }
  }

  deletePending(txHashes: readonly Uint8Array[]): void {
    this.open()
    for (const h of txHashes) this.pending.delete(toHex(h))
  }

  scanPending(limit: number): PendingTx[] {
    this.open()
    const n = Math.max(0, Math.min(limit, PENDING_SCAN_MAX))
    return [...this.pending.keys()]
      .sort()
      .slice(0, n)
      .map((k) => {
        const t = this.pending.get(k)!
        return { txHash: t.txHash.slice(), bytes: t.bytes.slice() }
      })
  }

  putRecordSync(name: string, value: Uint8Array): void {
    this.putRecordsSync([{ name, value }])
  }

  putRecordsSync(records: readonly { name: string; value: Uint8Array }[]): void {
    this.open()
    for (const r of records) {
      checkRecordName(r.name)
      checkRecordValue(r.value)
    }
    for (const r of records) this.records.set(r.name, r.value.slice())
  }

  commitBlock(input: CommitBlockInput): void {
    this.open()
    const plan = planCommit(input, this.meta())
    // Everything that can throw happened in planCommit; from here on only Map writes.
    for (const [h, node] of plan.smtNodes) this.nodes.set(toHex(h), node.slice())
    this.blocks.set(plan.height, plan.blockBytes)
    this.hashes.set(toHex(plan.blockHash), plan.height)
    this.certificates.set(plan.height, plan.certificateBytes)
    this.results.set(plan.height, plan.resultsBytes)
    for (const [h, rec] of plan.txIndex) this.txIndex.set(toHex(h), rec)
    for (const h of plan.pendingDeletes) this.pending.delete(toHex(h))
    for (const [k, v] of plan.indexes) {
      if (v === undefined) this.index.delete(toHex(k))
      else this.index.set(toHex(k), { key: k.slice(), value: v.slice() })
    }
    this.metaBytes = plan.metaBytes
  }

  /** Blocks only: this engine keys state-tree nodes by hash alone, so it keeps them all. */
  prune(below: number, _keepNode: (hash: Uint8Array, version: number) => boolean): void {
    this.open()
    const latest = this.latestHeight()
    if (!Number.isSafeInteger(below) || below > latest) {
      throw new GovchainError('INVALID_ARGUMENT', `prune below ${below}: the latest height is ${latest}`)
    }
    const base = baseHeight(this)
    if (below <= base) return
    for (let h = base; h < below; h++) {
      this.blocks.delete(h)
      this.certificates.delete(h)
      this.results.delete(h)
    }
    this.putRecordSync(BASE_RECORD, heightKey(below))
  }

  async close(): Promise<void> {
    this.closed = true
  }
}
