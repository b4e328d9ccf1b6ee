/**
 * An in-memory NodeApiBackend for the API tests: blocks, transactions and state the test
 * controls, admission that decodes the SignedTx for real, and an event emitter.
 */
import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import {
  BlockHeader,
  CommitCertificate,
  decode,
  encode,
  GovchainError,
  isGovchainError,
  SignedTx,
  toHex,
  utf8,
  type ValidatorSet,
} from '@govchain/core'
import type {
  BlockView,
  ChainEvent,
  ExplorerStats,
  ExplorerTxPage,
  NodeApiBackend,
  StateView,
  StatusView,
  TxView,
} from '../api/backend.ts'
import type { ExplorerIndex } from '../explorer.ts'
import { createLogger, type Logger } from '../log.ts'

export const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

/** A hash whose lookup makes the fake throw an untyped error, to exercise the 500 path. */
export const BOOM_HASH = 'ee'.repeat(32)
export const SECRET = 'secret-internal-detail-/var/lib/govchain'

export function makeSignedTx(nonce: number, argsBytes = 8): Uint8Array {
  const body = utf8(`body-${nonce}-${'x'.repeat(argsBytes)}`)
  return encode(SignedTx, {
    body,
    signatures: [{ publicKey: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(nonce % 256) }],
  })
}

export class FakeBackend implements NodeApiBackend {
  blocks: BlockView[] = []
  txs = new Map<string, TxView>()
  stateValues = new Map<string, Uint8Array>()
  listeners = new Set<(e: ChainEvent) => void>()
  health: { ok: boolean; reason?: string } = { ok: true }
  /** When set, submitTx throws it (to test mapping of admission codes). */
  rejectWith: GovchainError | undefined
  validators: ValidatorSet = {
    validators: [
      { id: 'market', publicKey: new Uint8Array(32).fill(0xa1), votingPower: 10 },
      { id: 'housing', publicKey: new Uint8Array(32).fill(0xa2), votingPower: 10 },
      { id: 'police', publicKey: new Uint8Array(32).fill(0xa3), votingPower: 10 },
      { id: 'tax', publicKey: new Uint8Array(32).fill(0xa4), votingPower: 10 },
    ],
  }

  addBlock(txHashes: Uint8Array[] = []): BlockView {
    const height = this.blocks.length + 1
    const prev = this.blocks.at(-1)
    const header: BlockHeader = {
      chainId: 'govchain-test',
      height,
      timeMs: 1_700_000_000_000 + height * 1000,
      previousHash: prev?.hash ?? new Uint8Array(32),
      txRoot: sha256(utf8(`tx-${height}`)),
      stateRoot: sha256(utf8(`state-${height}`)),
      resultsRoot: sha256(utf8(`results-${height}`)),
      validatorSetHash: new Uint8Array(32).fill(7),
      nextValidatorSetHash: new Uint8Array(32).fill(7),
      lastCommitHash: new Uint8Array(32),
      proposer: 'market',
    }
    const headerBytes = encode(BlockHeader, header)
    const hash = sha256(headerBytes)
    const certificate = encode(CommitCertificate, {
      height,
      round: 0,
      blockHash: hash,
      signatures: [0, 1, 2].map((i) => ({ validatorIndex: i, signature: new Uint8Array(64).fill(i) })),
    })
    const block: BlockView = { height, hash, header, headerBytes, txHashes, certificate }
    this.blocks.push(block)
    return block
  }

  status(): StatusView {
    const last = this.blocks.at(-1)
    return {
      chainId: 'govchain-test',
      suite: 'intl',
      node: 'market',
      height: last?.height ?? 0,
      latestBlockHash: last?.hash ?? new Uint8Array(32),
      stateRoot: last?.header.stateRoot ?? new Uint8Array(32),
      validators: this.validators.validators.map((v) => ({
        id: v.id,
        votingPower: v.votingPower,
        publicKey: v.publicKey,
      })),
      peers: [{ id: 'housing', address: '127.0.0.1:26601' }, { id: 'police' }],
      catchingUp: false,
      round: 0,
      mempool: { size: [...this.txs.values()].filter((t) => t.status === 'pending').length, bytes: 0 },
    }
  }

  block(height: number): BlockView | undefined {
    return this.blocks[height - 1]
  }

  submitTx(txBytes: Uint8Array): { hash: Uint8Array } {
    if (this.rejectWith !== undefined) throw this.rejectWith
    try {
      decode(SignedTx, txBytes)
    } catch (e) {
      throw new GovchainError('TX_MALFORMED', isGovchainError(e) ? e.message : undefined)
    }
    const hash = sha256(txBytes)
    if (this.txs.has(toHex(hash))) throw new GovchainError('TX_DUPLICATE', undefined, { hash })
    this.txs.set(toHex(hash), { hash, status: 'pending', events: [] })
    return { hash }
  }

  tx(hash: Uint8Array): TxView | undefined {
    if (toHex(hash) === BOOM_HASH) throw new TypeError(SECRET)
    return this.txs.get(toHex(hash))
  }

  state(module: string, key: Uint8Array, opts: { prove: boolean; height?: number }): StateView {
    const latest = this.blocks.length
    const height = opts.height ?? latest
    if (height < 1 || height > latest) throw new GovchainError('QUERY_UNKNOWN_HEIGHT', `no block at height ${height}`)
    if (module !== 'anchor') throw new GovchainError('QUERY_UNKNOWN_MODULE')
    const view: StateView = { module, key, value: this.stateValues.get(`${module}/${toHex(key)}`), height }
    if (opts.prove) {
      const b = this.blocks[height - 1]!
      view.proof = utf8(`proof-of-${toHex(key)}`)
      view.headerBytes = b.headerBytes
      view.certificate = b.certificate
      view.validatorSet = new Uint8Array([1, 2, 3])
    }
    return view
  }

  validatorSet(): ValidatorSet {
    return this.validators
  }

  subscribe(listener: (event: ChainEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(e: ChainEvent): void {
    for (const l of this.listeners) l(e)
  }

  healthy(): { ok: boolean; reason?: string } {
    return this.health
  }

  /** The explorer's reads, when a test gives it an index over a real store (else an empty chain's answers). */
  explorer: ExplorerIndex | undefined

  txList(q: { limit: number; cursor?: string; height?: number }): ExplorerTxPage {
    if (this.explorer !== undefined) return this.explorer.txs(q)
    if (q.height !== undefined && this.block(q.height) === undefined) throw new GovchainError('BLOCK_NOT_FOUND')
    return { items: [], next: null }
  }

  chainStats(): ExplorerStats {
    if (this.explorer !== undefined) return this.explorer.stats()
    const height = this.blocks.length
    return {
      height,
      fromHeight: 1,
      txs: 0,
      failed: 0,
      modules: [],
      recent: { blocks: 0, txs: 0, spanMs: 0, avgBlockTimeMs: null, txPerSecond: null },
    }
  }

  heightByHash(hash: Uint8Array): number | undefined {
    return this.blocks.find((b) => toHex(b.hash) === toHex(hash))?.height
  }
}

/** A logger whose JSON lines are kept in memory, so tests can check what was (and was not) logged. */
export function memoryLogger(level: 'debug' | 'info' | 'error' = 'info'): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      cb()
    },
  })
  const logger = createLogger({ name: 'test', level, destination: stream })
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  }
}
