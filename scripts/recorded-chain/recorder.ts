/**
 * The recorder behind scripts/record-chain.ts and its extensions (docs/recorded-chain.md): fixed
 * keys, the recorded genesis, and a chain runner that builds, validates and commits each block of
 * planned transactions, recording its header fields, codes, events and per-transaction roots.
 */
import { type Genesis, parseGenesis, readonlyKeeper, signTx, txHashOf } from '@govchain/app'
import {
  type CryptoSuite,
  codec,
  demoCreditCode,
  fromHex,
  getSuite,
  SignedTx,
  TxBody,
  toHex,
  utf8,
} from '@govchain/core'
import type { GovernanceKeeper } from '@govchain/governance'
import { DEMO_DEPARTMENTS } from '../../packages/node/src/home.ts'
import {
  ChainRunner,
  eventsOf,
  genesisOf,
  headerOf,
  type RecordedBlock,
  type RecordedTx,
  type Recording,
  recordingModules,
} from '../../packages/node/test/recorded-chain-fixtures.ts'

export const GENESIS_TIME_MS = 1_700_000_000_000
export const FAKE_CA_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n'
export const DAY_MS = 86_400_000
/** validUntilHeight of every transaction: within maxTxValidityBlocks of every height recorded. */
const VALID_UNTIL_HEIGHT = 500

export interface Signer {
  name: string
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** A key pair derived from a fixed seed (the same on every run): hash(seed), re-hashed until the suite accepts it. */
export function keyOf(suite: CryptoSuite, name: string): Signer {
  let privateKey = suite.hash(utf8(`govchain/recorded-chain/v1/${suite.name}/${name}`))
  for (;;) {
    try {
      return { name, privateKey, publicKey: suite.publicKeyFromPrivate(privateKey) }
    } catch {
      privateKey = suite.hash(privateKey)
    }
  }
}

export interface PlannedTx {
  bytes: Uint8Array
  hash: Uint8Array
  module: string
  method: string
  expect: string
  note: string
}

// ---------------------------------------------------------------- the recorder

export class Recorder {
  readonly suite: CryptoSuite
  readonly genesis: Genesis
  readonly chain: ChainRunner
  readonly blocks: RecordedBlock[] = []
  readonly problems: string[] = []
  genesisStateRoot = ''
  private nonce = 0
  private timeMs: number

  constructor(genesis: Genesis) {
    this.genesis = genesis
    this.suite = getSuite(genesis.suite)
    this.chain = new ChainRunner(genesis, recordingModules())
    this.timeMs = genesis.genesisTimeMs
  }

  /**
   * A recorder positioned at the tip of an existing recording: its blocks are re-executed from
   * their recorded bytes (never re-signed, so a gm recording keeps its SM2 signatures) and must
   * reproduce the recorded block hashes; the next transaction's nonce follows the highest recorded.
   */
  static resume(recording: Recording): Recorder {
    const rec = new Recorder(genesisOf(recording))
    rec.genesisStateRoot = recording.genesisStateRoot
    for (const b of recording.blocks) {
      if (b.height !== rec.chain.height) throw new Error(`recording block ${b.height} out of order`)
      const built = rec.chain.build(
        b.timeMs,
        b.proposer,
        b.txs.map((x) => fromHex(x.bytes)),
      )
      if (toHex(built.blockHash) !== b.blockHash) {
        throw new Error(
          `block ${b.height} of the recording no longer replays to its hash: run --check on the fixture first`,
        )
      }
      rec.chain.validate(built)
      rec.chain.commit(built)
      rec.timeMs = b.timeMs
      rec.blocks.push(b)
      for (const x of b.txs) {
        const body = codec.decode(TxBody, codec.decode(SignedTx, fromHex(x.bytes)).body)
        rec.nonce = Math.max(rec.nonce, body.nonce)
      }
    }
    return rec
  }

  /** Signs a transaction now (its hash is known before it runs: request and grant ids are tx hashes). */
  tx<A>(from: Signer | Signer[], mm: string, args: codec.Codec<A>, value: A, expect: string, note: string) {
    const signers = Array.isArray(from) ? from : [from]
    const [module, method] = mm.split('.') as [string, string]
    const signed = signTx(
      this.suite,
      {
        chainId: this.genesis.chainId,
        sender: signers[0]!.publicKey,
        nonce: ++this.nonce,
        validUntilHeight: VALID_UNTIL_HEIGHT,
        module,
        method,
        args: codec.encode(args, value),
      },
      signers.map((s) => s.privateKey),
    )
    const planned: PlannedTx = {
      bytes: signed.bytes,
      hash: txHashOf(this.suite, signed.bytes),
      module,
      method,
      expect,
      note,
    }
    return planned
  }

  get height(): number {
    return this.chain.height
  }

  /** Block time of the next block: `advanceMs` after the previous one. */
  nextTime(advanceMs: number): number {
    return this.timeMs + advanceMs
  }

  /** A module's keeper over the committed state (what an extension checks its blocks did). */
  keeper<K>(module: string): K {
    const meta = this.chain.store.meta()!
    return readonlyKeeper<K>({
      suite: this.suite,
      store: this.chain.store,
      modules: this.chain.modules,
      module,
      root: meta.stateRoot,
      height: meta.height,
      timeMs: this.timeMs,
    })
  }

  governance(): GovernanceKeeper {
    const meta = this.chain.store.meta()!
    return readonlyKeeper<GovernanceKeeper>({
      suite: this.suite,
      store: this.chain.store,
      modules: this.chain.modules,
      module: 'governance',
      root: meta.stateRoot,
      height: meta.height,
      timeMs: this.timeMs,
    })
  }

  /** Builds, checks and commits the next block; records it. */
  block(advanceMs: number, txs: PlannedTx[]): void {
    const height = this.chain.height
    const timeMs = this.nextTime(advanceMs)
    const proposer = this.genesis.validators[(height - 1) % this.genesis.validators.length]!.id
    const bytes = txs.map((t) => t.bytes)
    const roots = this.chain.stateRootsByPrefix(timeMs, bytes)
    if (height === 1) this.genesisStateRoot = toHex(roots[0]!)
    const built = this.chain.build(timeMs, proposer, bytes)
    for (const d of built.dropped) {
      const t = txs.find((x) => toHex(x.hash) === toHex(d.txHash))
      this.problems.push(`height ${height}: ${t?.module}.${t?.method} (${t?.note}) left out as inadmissible: ${d.code}`)
    }
    const execution = this.chain.validate(built)
    if (toHex(execution.stateRoot) !== toHex(built.block.header.stateRoot)) {
      this.problems.push(`height ${height}: validateBlock's state root differs from buildBlock's`)
    }
    const results = built.execution.results
    const recorded: RecordedTx[] = []
    txs.forEach((t, i) => {
      const r = results.find((x) => toHex(x.txHash) === toHex(t.hash))
      if (r === undefined) return
      if (r.code !== t.expect) {
        this.problems.push(`height ${height}: ${t.module}.${t.method} (${t.note}): got ${r.code}, expected ${t.expect}`)
      }
      recorded.push({
        module: t.module,
        method: t.method,
        note: t.note,
        code: r.code,
        txHash: toHex(t.hash),
        stateRootAfter: toHex(roots[i + 1]!),
        events: eventsOf(r),
        bytes: toHex(t.bytes),
      })
    })
    if (built.dropped.length === 0 && roots[txs.length] !== undefined) {
      if (toHex(roots[txs.length]!) !== toHex(built.block.header.stateRoot)) {
        this.problems.push(`height ${height}: the state root of the whole block differs from its last prefix's`)
      }
    }
    this.chain.commit(built)
    this.timeMs = timeMs
    this.blocks.push({
      height,
      timeMs,
      proposer,
      header: headerOf(built.block.header),
      blockHash: toHex(built.blockHash),
      txs: recorded,
    })
  }
}

// ---------------------------------------------------------------- genesis

export const ORGS = ['market', 'housing', 'police', 'tax', 'hrss'] as const
export type Org = (typeof ORGS)[number]

export function makeGenesis(suite: CryptoSuite): Genesis {
  return parseGenesis({
    chainId: `govchain-recorded-${suite.name}`,
    suite: suite.name,
    genesisTimeMs: GENESIS_TIME_MS,
    organisations: ORGS.map((id) => {
      const i = DEMO_DEPARTMENTS.findIndex((d) => d.id === id)
      const d = DEMO_DEPARTMENTS[i]!
      return {
        ...d,
        code: demoCreditCode(i, d.regionCode),
        caCertPem: FAKE_CA_PEM,
        operatorPublicKey: toHex(keyOf(suite, `${id}-admin`).publicKey),
      }
    }),
    validators: ORGS.map((id) => ({
      id,
      orgId: id,
      publicKey: toHex(keyOf(suite, `${id}-validator`).publicKey),
      votingPower: 10,
    })),
    // Small, so a DID reaches its daily anchor quota within the recording.
    params: { anchorQuotaPerIdentityPerDay: 2 },
  })
}
