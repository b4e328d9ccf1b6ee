/** Shared test fixtures: signed transactions, a test module, a small chain driver. */

import { anchorModule } from '@govchain/anchor'
import { ANCHOR_MODULE, AnchorPutArgs } from '@govchain/anchor/schema'
import {
  type BlockExecution,
  type BuiltBlock,
  buildBlock,
  ExecutionCache,
  type ExecutionParams,
  handler,
  type Module,
  ModuleRegistry,
  type ParentInfo,
  type SenderStateView,
  signTx,
} from '@govchain/app'
import { type CommitCertificate, type CryptoSuite, codec, GovchainError, toHex, utf8 } from '@govchain/core'
import type { ChainStore } from '@govchain/store'

export const CHAIN_ID = 'govchain-test'
export const ZERO32 = new Uint8Array(32)

export interface Signer {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** Keys signer() made: fixtureIdentityModule registers them (officers of organisation `test`). */
const registeredKeys = new Set<string>()

/** A key pair the fixture registry knows as an active officer (a registered sender). */
export function signer(suite: CryptoSuite): Signer {
  const kp = suite.generateKeyPair()
  registeredKeys.add(toHex(kp.publicKey))
  return kp
}

/** A key pair no module registered: admission refuses it for every method but self-registration. */
export function stranger(suite: CryptoSuite): Signer {
  return suite.generateKeyPair()
}

/**
 * Stands in for the identity module in framework tests (execution, mempool, storage), whose
 * chains have no genesis: every key signer() made is an active officer of the active
 * organisation `test`, every other key is unknown. Stateless, so the same on every execution.
 * Tests of identity itself, and of who may anchor, use the real module (identity-fixtures.ts).
 */
export const fixtureIdentityModule: Module = {
  name: 'identity',
  handlers: {},
  keeper: () => ({
    officerByKey: (publicKey: Uint8Array) =>
      registeredKeys.has(toHex(publicKey))
        ? { officerId: `test-${toHex(publicKey).slice(0, 8)}`, orgId: 'test', roles: [], publicKey, status: 'active' }
        : undefined,
    organisation: (orgId: string) => (orgId === 'test' ? { id: 'test', status: 'active' } : undefined),
    didByKey: () => undefined,
  }),
  registeredSender: (_ctx, publicKey) => registeredKeys.has(toHex(publicKey)),
}

export interface TxFields {
  nonce?: number
  validUntilHeight?: number
  module?: string
  method?: string
  args?: Uint8Array
  chainId?: string
  sender?: Uint8Array
}

export function makeTx(suite: CryptoSuite, from: Signer | Signer[], f: TxFields = {}) {
  const signers = Array.isArray(from) ? from : [from]
  return signTx(
    suite,
    {
      chainId: f.chainId ?? CHAIN_ID,
      sender: f.sender ?? signers[0]!.publicKey,
      nonce: f.nonce ?? 0,
      validUntilHeight: f.validUntilHeight ?? 100,
      module: f.module ?? ANCHOR_MODULE,
      method: f.method ?? 'put',
      args: f.args ?? new Uint8Array(),
    },
    signers.map((s) => s.privateKey),
  )
}

export function docHash(n: number): Uint8Array {
  const h = new Uint8Array(32)
  new DataView(h.buffer).setUint32(0, n)
  h[31] = 0xa5
  return h
}

export function anchorArgs(hash: Uint8Array, kind = 'contract', note?: string): Uint8Array {
  return codec.encode(AnchorPutArgs, note === undefined ? { hash, kind } : { hash, kind, note })
}

export function anchorTx(suite: CryptoSuite, from: Signer, n: number, f: TxFields = {}) {
  return makeTx(suite, from, { nonce: n, args: anchorArgs(docHash(n)), ...f })
}

/** A module for framework tests: writes, fails, emits, calls the anchor keeper. */
export const testModule: Module = {
  name: 'testmod',
  handlers: {
    set: handler(codec.struct({ key: codec.bytes(300), value: codec.bytes(70_000) }), (ctx, a) => {
      ctx.state.set(a.key, a.value)
    }),
    setThenFail: handler(codec.struct({ key: codec.bytes(64) }), (ctx, a) => {
      ctx.state.set(a.key, utf8('written'))
      ctx.emit('wrote', { key: 'x' })
      ctx.fail('INVALID_ARGUMENT', 'failing on purpose')
    }),
    throwPlain: handler(codec.struct({}), () => {
      throw new TypeError('a bug')
    }),
    emitMany: handler(codec.struct({ n: codec.u32 }), (ctx, a) => {
      for (let i = 0; i < a.n; i++) ctx.emit('e', { i: String(i) })
    }),
    manyWrites: handler(codec.struct({ n: codec.u32 }), (ctx, a) => {
      for (let i = 0; i < a.n; i++) ctx.state.set(utf8(`k${i}`), utf8('v'))
    }),
    anchorExists: handler(codec.struct({ hash: codec.fixedBytes(32) }), (ctx, a) => {
      const k = ctx.keeper<{ exists(h: Uint8Array): boolean }>('anchor')
      ctx.emit('exists', { value: String(k.exists(a.hash)) })
    }),
    readRaw: handler(codec.struct({ key: codec.bytes(64) }), (ctx, a) => {
      const v = ctx.state.get(a.key)
      if (v === undefined) ctx.fail('INVALID_ARGUMENT', 'absent')
    }),
  },
}

export function testRegistry(): ModuleRegistry {
  return new ModuleRegistry([anchorModule, fixtureIdentityModule, testModule])
}

/** Mempool `senderState` for framework tests: the fixture identity needs no state. */
export const fixtureSenderState = (): SenderStateView => ({ height: 1, timeMs: 0, get: () => undefined })

export function fakeCertificate(height: number, blockHash: Uint8Array): CommitCertificate {
  return { height, round: 0, blockHash, signatures: [] }
}

/** Drives a chain: builds each block with the given txs, commits it with a placeholder certificate. */
export class ChainDriver {
  readonly cache = new ExecutionCache()
  parent: ParentInfo | undefined
  lastCommit: CommitCertificate | undefined
  timeMs = 1_700_000_000_000

  constructor(
    readonly suite: CryptoSuite,
    readonly store: ChainStore,
    readonly modules: ModuleRegistry = testRegistry(),
    readonly params?: ExecutionParams,
  ) {
    const meta = store.meta()
    if (meta !== undefined) {
      const header = store.getHeader(meta.height)!
      this.parent = { header, hash: meta.blockHash }
      this.lastCommit = store.getCertificate(meta.height)
      this.timeMs = header.timeMs
    }
  }

  get height(): number {
    return (this.parent?.header.height ?? 0) + 1
  }

  build(txs: readonly Uint8Array[]): BuiltBlock {
    this.timeMs += 1000
    return buildBlock({
      suite: this.suite,
      chainId: CHAIN_ID,
      modules: this.modules,
      ...(this.params === undefined ? {} : { params: this.params }),
      store: this.store,
      cache: this.cache,
      height: this.height,
      timeMs: this.timeMs,
      ...(this.parent === undefined ? {} : { parent: this.parent }),
      ...(this.lastCommit === undefined ? {} : { lastCommit: this.lastCommit }),
      validatorSetHash: ZERO32,
      nextValidatorSetHash: ZERO32,
      proposer: 'node-0',
      txs,
    })
  }

  commit(built: { block: BuiltBlock['block']; blockHash: Uint8Array; execution: BlockExecution }): void {
    const certificate = fakeCertificate(built.block.header.height, built.blockHash)
    this.store.commitBlock({
      block: built.block,
      blockHash: built.blockHash,
      certificate,
      smtNodes: built.execution.smtNodes,
      txResults: built.execution.results,
      txResultBytes: built.execution.resultBytes,
      indexes: built.execution.indexes,
    })
    this.parent = { header: built.block.header, hash: built.blockHash }
    this.lastCommit = certificate
  }

  /** Builds and commits; returns the built block. */
  step(txs: readonly Uint8Array[]): BuiltBlock {
    const b = this.build(txs)
    this.commit(b)
    return b
  }
}

export function assertCoded(e: unknown, prefixOrCodes?: string | readonly string[]): GovchainError {
  if (!(e instanceof GovchainError)) throw new Error(`expected a GovchainError, got ${String(e)}`)
  if (typeof prefixOrCodes === 'string' && !e.code.startsWith(prefixOrCodes)) {
    throw new Error(`expected a ${prefixOrCodes}* code, got ${e.code}`)
  }
  if (Array.isArray(prefixOrCodes) && !prefixOrCodes.includes(e.code)) {
    throw new Error(`expected one of ${prefixOrCodes.join(',')}, got ${e.code}`)
  }
  return e
}
