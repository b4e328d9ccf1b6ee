/**
 * The mempool: transactions admitted and waiting for a block.
 *
 * Admission (add): size, decoding, chain, signatures, validity window, module/method/args
 * (validateTx at the next height), the sender's registration for methods that need one
 * (SenderGate over the committed state: TX_SENDER_UNREGISTERED, before any signature is
 * verified, so an unknown key's transactions cost a state read and never reach a block), replay guard against committed state (isCommitted) and
 * against the pool (TX_DUPLICATE: a second submission of a pending transaction is rejected,
 * so a client learns it is already pending rather than having it silently counted twice),
 * per-sender quota (MEMPOOL_SENDER_QUOTA), total count and bytes (MEMPOOL_FULL: a full pool
 * refuses instead of growing; nothing is evicted, so an admitted transaction stays until it
 * is committed or becomes invalid).
 *
 * Order: reap returns transactions in arrival order, which is also FIFO per sender.
 *
 * Signatures are verified once, at admission. The hashes of verified envelopes go into a
 * bounded LRU (`verified`) that block validation passes to validateTx as `preverified`, so a
 * block made of mempool transactions is not verified a second time. The LRU outlives the
 * pool entries (a tx reaped into a proposal is still in it when the proposal is validated).
 */

import type { ModuleRegistry } from '@govchain/app'
import {
  DEFAULT_EXECUTION_PARAMS,
  type ExecutionParams,
  type Preverified,
  SenderGate,
  type SenderStateView,
  type ValidatedTx,
  validateTx,
} from '@govchain/app'
import { type CryptoSuite, GovchainError, hexOf, LIMITS } from '@govchain/core'
import { LRUCache } from 'lru-cache'

export interface MempoolOptions {
  suite: CryptoSuite
  chainId: string
  modules: ModuleRegistry
  params?: ExecutionParams
  /** Latest committed height; admission validates for the next one. */
  latestHeight: () => number
  /** Replay guard of the committed chain (the node's tx index; docs/adr/0009-replay-guard.md). */
  isCommitted: (txHash: Uint8Array) => boolean
  /**
   * The committed state senders are checked against (SenderRule), for the next height: asked
   * again whenever latestHeight() has moved.
   */
  senderState: () => SenderStateView
  /** Pending transactions at most (default 20,000). */
  maxTxs?: number
  /**
   * Memory the pending entries may hold at most, decoded parts included (issue 19): each entry is
   * charged entryMemoryBytes (its bytes, its decoded body and signers, its hashes and hex keys,
   * and a fixed allowance for object headers and map slots). Default 128 MiB.
   */
  maxBytes?: number
  /** Pending transactions per sender at most (default 1,000). */
  maxPerSender?: number
  /** One transaction's bytes at most (default and ceiling LIMITS.txBytes). */
  maxTxBytes?: number
  /** Verified-envelope LRU entries (default 100,000 ≈ 10 MB of hex keys). */
  verifiedCacheSize?: number
  /** Replay-guard lookups one recheck() makes at most (default 2,000; see recheck). */
  recheckCommittedMax?: number
}

/** V8's cost of a Uint8Array beyond its bytes: the view and its own ArrayBuffer (decoding slices). */
const TYPED_ARRAY_OVERHEAD = 96
/** Objects of an entry (the entry, its ValidatedTx and body), its two map slots and the sender count. */
const ENTRY_OVERHEAD = 640

/**
 * What one pending entry keeps in memory, counted from what it holds rather than measured (a heap
 * measurement per admission would cost more than the admission): every Uint8Array with its
 * overhead, every string at two bytes a character, and ENTRY_OVERHEAD.
 */
function entryMemoryBytes(v: ValidatedTx, hexKeys: readonly string[]): number {
  // Summed in place (no temporary arrays: this runs for every admission).
  let n = ENTRY_OVERHEAD + 4 * TYPED_ARRAY_OVERHEAD
  n += v.bytes.length + v.txHash.length + v.body.sender.length + v.body.args.length
  for (const s of v.signers) n += s.length + TYPED_ARRAY_OVERHEAD
  if (v.envelopeHash !== undefined) n += v.envelopeHash.length + TYPED_ARRAY_OVERHEAD
  for (const str of hexKeys) n += 2 * str.length
  n += 2 * (v.body.chainId.length + v.body.module.length + v.body.method.length)
  return n
}

interface Entry {
  /** entryMemoryBytes of this entry: what it counts against maxBytes. */
  memory: number
  bytes: Uint8Array
  txHash: Uint8Array
  hashHex: string
  envelopeHex: string
  /** Admission's validation, reused by block validation while the entry is pending (Preverified.validated). */
  validated: ValidatedTx
  senderHex: string
  validUntilHeight: number
}

export interface MempoolStats {
  count: number
  /** Wire bytes of the pending transactions. */
  bytes: number
  /** Memory charged to the pending entries (entryMemoryBytes), what maxBytes bounds. */
  memoryBytes: number
  senders: number
  verifiedCacheSize: number
  /** Totals since start, by outcome: for metrics. */
  admitted: number
  rejected: number
}

/**
 * Bounded LRU of verified envelope hashes (hex), and the pool's own validations by envelope
 * (`lookup`) so that a block of pending transactions is neither decoded nor verified again.
 */
export class VerifiedCache implements Preverified {
  private readonly entries: LRUCache<string, true>

  constructor(
    readonly capacity: number,
    private readonly lookup?: (envelopeHashHex: string) => ValidatedTx | undefined,
  ) {
    this.entries = new LRUCache<string, true>({ max: capacity })
  }

  validated(envelopeHashHex: string): ValidatedTx | undefined {
    return this.lookup?.(envelopeHashHex)
  }

  has(envelopeHashHex: string): boolean {
    return this.entries.get(envelopeHashHex) === true // get: a hit counts as recent use
  }

  add(envelopeHashHex: string): void {
    this.entries.set(envelopeHashHex, true)
  }

  get size(): number {
    return this.entries.size
  }
}

export class Mempool {
  private readonly entries = new Map<string, Entry>()
  /** The same entries by envelope hash (hex). */
  private readonly byEnvelope = new Map<string, Entry>()
  private readonly perSender = new Map<string, number>()
  private totalBytes = 0
  private totalMemory = 0
  private admitted = 0
  private rejected = 0
  private readonly maxTxs: number
  private readonly maxBytes: number
  private readonly maxPerSender: number
  private readonly maxTxBytes: number
  private readonly params: ExecutionParams
  private readonly recheckCommittedMax: number
  /** Where the next recheck() resumes its replay-guard lookups (position in arrival order). */
  private recheckCursor = 0
  /** The sender check of the committed state at `gateHeight` (its answers are cached per sender). */
  private gate: SenderGate | undefined
  private gateHeight = -1
  /** Pass to validateBlock/executeBlock as `preverified`. */
  readonly verified: VerifiedCache

  constructor(private readonly opts: MempoolOptions) {
    this.maxTxs = opts.maxTxs ?? 20_000
    this.maxBytes = opts.maxBytes ?? 128 * 1024 * 1024
    this.maxPerSender = opts.maxPerSender ?? 1_000
    this.maxTxBytes = Math.min(opts.maxTxBytes ?? LIMITS.txBytes, LIMITS.txBytes)
    this.params = opts.params ?? DEFAULT_EXECUTION_PARAMS
    this.verified = new VerifiedCache(opts.verifiedCacheSize ?? 100_000, (h) => this.byEnvelope.get(h)?.validated)
    this.recheckCommittedMax = Math.max(1, opts.recheckCommittedMax ?? 2_000)
  }

  /**
   * Admits a signed transaction or throws a GovchainError: TX_* from validation, TX_REPLAY,
   * TX_DUPLICATE, MEMPOOL_SENDER_QUOTA, MEMPOOL_FULL. Nothing changes on rejection.
   */
  add(txBytes: Uint8Array): { txHash: Uint8Array } {
    try {
      return this.admit(txBytes)
    } catch (e) {
      this.rejected++
      throw e
    }
  }

  private admit(txBytes: Uint8Array): { txHash: Uint8Array } {
    if (!(txBytes instanceof Uint8Array)) throw new GovchainError('TX_MALFORMED', 'transaction must be bytes')
    if (txBytes.length > this.maxTxBytes) {
      throw new GovchainError('TX_TOO_LARGE', `${txBytes.length} bytes > ${this.maxTxBytes}`, {
        sizeBytes: txBytes.length,
        maxBytes: this.maxTxBytes,
      })
    }
    // Cheap capacity checks before the signature check: a full pool costs an attacker nothing to probe.
    // (An entry costs at least its bytes twice: its copy and its decoded arguments' share.)
    if (this.entries.size >= this.maxTxs || this.totalMemory + txBytes.length + ENTRY_OVERHEAD > this.maxBytes) {
      throw new GovchainError('MEMPOOL_FULL', undefined, { count: this.entries.size, memoryBytes: this.totalMemory })
    }
    const latest = this.opts.latestHeight()
    if (this.gate === undefined || this.gateHeight !== latest) {
      this.gate = new SenderGate(this.opts.modules, this.opts.senderState())
      this.gateHeight = latest
    }
    const v = validateTx(this.opts.suite, this.opts.chainId, txBytes, latest + 1, {
      modules: this.opts.modules,
      params: this.params,
      preverified: this.verified,
      senders: this.gate,
    })
    const hashHex = hexOf(v.txHash)
    const envelopeHex = hexOf(v.envelopeHash!)
    // Remember the verified envelope even if admission fails below: a retry is then cheap.
    this.verified.add(envelopeHex)
    if (this.entries.has(hashHex)) throw new GovchainError('TX_DUPLICATE', undefined, { txHash: hashHex })
    if (this.opts.isCommitted(v.txHash)) throw new GovchainError('TX_REPLAY', undefined, { txHash: hashHex })
    const senderHex = hexOf(v.body.sender)
    const pending = this.perSender.get(senderHex) ?? 0
    if (pending >= this.maxPerSender) {
      throw new GovchainError('MEMPOOL_SENDER_QUOTA', `${pending} pending from this sender`, { pending })
    }
    const bytes = txBytes.slice()
    const validated: ValidatedTx = { ...v, bytes, args: undefined }
    const memory = entryMemoryBytes(validated, [hashHex, envelopeHex, senderHex])
    if (this.totalMemory + memory > this.maxBytes) {
      throw new GovchainError('MEMPOOL_FULL', undefined, { count: this.entries.size, memoryBytes: this.totalMemory })
    }
    const entry: Entry = {
      memory,
      bytes,
      txHash: v.txHash,
      hashHex,
      envelopeHex,
      // The pool's own copy of the bytes, and no decoded arguments (block validation decodes them
      // again); everything it does keep is charged in `memory`.
      validated,
      senderHex,
      validUntilHeight: v.body.validUntilHeight,
    }
    this.entries.set(hashHex, entry)
    this.byEnvelope.set(envelopeHex, entry)
    this.perSender.set(senderHex, pending + 1)
    this.totalBytes += txBytes.length
    this.totalMemory += memory
    this.admitted++
    return { txHash: v.txHash }
  }

  has(txHash: Uint8Array): boolean {
    return this.entries.has(hexOf(txHash))
  }

  get(txHash: Uint8Array): Uint8Array | undefined {
    return this.entries.get(hexOf(txHash))?.bytes.slice()
  }

  /** Oldest first, up to `maxCount` transactions and `maxBytes` bytes; stays in the pool until removed. */
  reap(maxBytes: number, maxCount: number): Uint8Array[] {
    const out: Uint8Array[] = []
    let bytes = 0
    for (const e of this.entries.values()) {
      if (out.length >= maxCount) break
      // Stop at the first that does not fit: skipping it for a later one could take a sender's
      // later transaction before its earlier one.
      if (bytes + e.bytes.length > maxBytes) break
      out.push(e.bytes)
      bytes += e.bytes.length
    }
    return out
  }

  private remove(hashHex: string): void {
    const e = this.entries.get(hashHex)
    if (e === undefined) return
    this.entries.delete(hashHex)
    this.byEnvelope.delete(e.envelopeHex)
    this.totalBytes -= e.bytes.length
    this.totalMemory -= e.memory
    const n = (this.perSender.get(e.senderHex) ?? 1) - 1
    if (n <= 0) this.perSender.delete(e.senderHex)
    else this.perSender.set(e.senderHex, n)
  }

  /** Drops transactions a committed block included (by tx hash). */
  removeCommitted(txHashes: Iterable<Uint8Array>): void {
    for (const h of txHashes) this.remove(hexOf(h))
  }

  /**
   * After a block: drops what can no longer be included at the next height (expired, or
   * committed through another node's pool). Signatures are not re-checked: they do not change.
   * Returns the hashes dropped.
   *
   * Expiry is checked for every entry. The replay guard (a tx-index lookup each) is asked for
   * at most recheckCommittedMax entries per call, resuming where the previous call stopped, so
   * a full pool costs a bounded amount per block (20,000 walks per block made the pool the
   * node's largest cost under load) and every entry is still looked at within a few blocks.
   * Nothing depends on the lookup being immediate: the committing block's own transactions
   * leave through removeCommitted, admission asks the guard itself, and a proposer that reaps
   * an already committed transaction leaves it out as TX_REPLAY (buildBlock's dropped list).
   */
  recheck(): Uint8Array[] {
    const next = this.opts.latestHeight() + 1
    const dropped: Uint8Array[] = []
    const all = [...this.entries.values()]
    const n = all.length
    const lookups = Math.min(n, this.recheckCommittedMax)
    const from = n === 0 ? 0 : this.recheckCursor % n
    const guarded = (i: number) => (i - from + n) % n < lookups
    for (let i = 0; i < n; i++) {
      const e = all[i]!
      if (e.validUntilHeight < next || (guarded(i) && this.opts.isCommitted(e.txHash))) {
        this.remove(e.hashHex)
        dropped.push(e.txHash)
      }
    }
    // Entries that leave shift the window's position a little; a rotation needs no more.
    this.recheckCursor = n === 0 ? 0 : (from + lookups) % n
    return dropped
  }

  stats(): MempoolStats {
    return {
      count: this.entries.size,
      bytes: this.totalBytes,
      memoryBytes: this.totalMemory,
      senders: this.perSender.size,
      verifiedCacheSize: this.verified.size,
      admitted: this.admitted,
      rejected: this.rejected,
    }
  }
}

export { committedSenderState } from './sender-state.ts'
