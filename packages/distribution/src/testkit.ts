/** Fixtures for identity and governance tests: a genesis with N departments and a chain driver that passes it. */

import { createHash } from 'node:crypto'
import { serialize } from 'node:v8'
import {
  type BlockExecution,
  buildBlock,
  ExecutionCache,
  type Genesis,
  type ModuleRef,
  type ModuleRegistry,
  type ParentInfo,
  parseGenesis,
  readonlyKeeper,
  signTx,
} from '@govchain/app'
import { type CatalogPublishArgs, CatalogSetGatewayArgs } from '@govchain/catalog/schema'
import {
  type CryptoSuite,
  codec,
  demoCreditCode,
  type KeyPair,
  suites,
  type TxResult,
  toHex,
  utf8,
} from '@govchain/core'
import { ROLES } from '@govchain/identity/schema'
import type { DefineTypeArgs } from '@govchain/license/schema'
import type { ServicePublishArgs } from '@govchain/service/schema'
import type { ChainStore } from '@govchain/store'
import { MemoryChainStore } from '@govchain/store'
import { fakeCertificate, type Signer } from './chain-driver.ts'
import { defaultModuleRegistry } from './index.ts'

export const GOV_CHAIN_ID = 'govchain-gov-test'
export const FAKE_CA_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n'
export const ORG_IDS = ['market', 'housing', 'police', 'tax', 'hrss', 'natres']

/** An active catalogue resource of `ownerOrg` shared on conditions, with these fields (name, sensitivity). */
export function testResource(
  ownerOrg: string,
  resourceId: string,
  fields: [string, 'personal' | 'internal'][],
): CatalogPublishArgs {
  return {
    resourceId,
    title: `${ownerOrg} ${resourceId}`,
    description: 'demo resource',
    ownerOrg,
    rights: ['ownership'],
    fields: fields.map(([name, sensitivity]) => ({ name, label: name, sensitivity })),
    shareType: 'conditional',
    autoApprove: false,
    autoApproveMaxDurationMs: 0,
    updateFrequency: 'daily',
    dataHash: new Uint8Array(32).fill(1),
    dataVersion: 'v1',
    status: 'active',
    note: 'first version',
  }
}

/**
 * A gateway for each of `orgs`, registered by its operator (catalog.setGateway, a made-up URL and
 * certificate), with a fresh chain key each; police's is the pseudonym authority, as in the demo.
 * Returns the keys by organisation and the transactions that register them.
 */
export function testGateways(
  suite: CryptoSuite,
  operators: Record<string, Signer>,
  orgs: readonly string[],
): { keys: Record<string, KeyPair>; txs: Uint8Array[] } {
  const keys: Record<string, KeyPair> = {}
  const txs = orgs.map((org) => {
    keys[org] = suite.generateKeyPair()
    return tx(suite, operators[org]!, 'catalog', 'setGateway', CatalogSetGatewayArgs, {
      orgId: org,
      url: `https://gw.${org}.example`,
      certFingerprint: new Uint8Array(32),
      publicKey: keys[org]!.publicKey,
      pseudonymAuthority: org === 'police',
    })
  })
  return { keys, txs }
}

/** A licence type for persons, issued by `issuer`, with one personal field (holderName). */
export function testLicenseType(code: string, alias: string, name: string, issuer: string): DefineTypeArgs {
  return {
    code,
    alias,
    name,
    nameEn: alias,
    holderKind: 'person',
    fields: [{ name: 'holderName', label: '姓名', labelEn: 'Name', personal: true, required: true }],
    issuers: [issuer],
    maxValidityYears: 0,
    renewable: false,
    regionCode: '110000',
    region: '北京市',
  }
}

/**
 * 公共租赁住房资格申请 as the service tests and the pipeline benchmark publish it (housing): police's
 * household data and tax's income pulled, no licence presented, the GZFZG licence as the result.
 */
export const GZF_TEST_ITEM: ServicePublishArgs = {
  code: 'BJ-ZJW-GZF-001',
  title: '公共租赁住房资格申请',
  titleEn: 'Public rental housing eligibility',
  legalBasis: '《公共租赁住房管理办法》（住房和城乡建设部令第11号）第七条',
  licenses: [],
  pulls: [
    { providerOrg: 'police', resourceId: 'police.household', fields: ['name', 'household_type'], purpose: '核验户籍' },
    { providerOrg: 'tax', resourceId: 'tax.income', fields: ['annual_income'], purpose: '核验收入' },
  ],
  slaDays: 20,
  resultType: 'GZFZG',
  parts: [],
}

export interface TestConsortium {
  genesis: Genesis
  operators: Record<string, Signer>
  validators: Record<string, Signer>
}

/**
 * A genesis with N departments (ORG_IDS order; police is the identity authority). `document`
 * adds a modules list and module sections (a genesis without `modules` is the legacy form).
 */
export function makeConsortium(
  suite: CryptoSuite,
  /** How many of ORG_IDS, or the organisation ids themselves (police stays the identity authority). */
  n: number | readonly string[],
  params: Partial<Genesis['params']> = {},
  document: { modules?: Genesis['modules']; sections?: Record<string, unknown> } = {},
): TestConsortium {
  const operators: Record<string, Signer> = {}
  const validators: Record<string, Signer> = {}
  const ids = typeof n === 'number' ? ORG_IDS.slice(0, n) : n
  for (const id of ids) {
    operators[id] = suite.generateKeyPair()
    validators[id] = suite.generateKeyPair()
  }
  const genesis = parseGenesis({
    chainId: GOV_CHAIN_ID,
    suite: suite.name,
    genesisTimeMs: 1_700_000_000_000,
    organisations: ids.map((id, i) => ({
      id,
      name: `${id} 局`,
      nameEn: id,
      code: demoCreditCode(i, '110000'),
      level: 'city',
      regionCode: '110000',
      region: '北京市',
      caCertPem: FAKE_CA_PEM,
      operatorPublicKey: toHex(operators[id]!.publicKey),
      identityAuthority: id === 'police',
    })),
    validators: ids.map((id) => ({ id, orgId: id, publicKey: toHex(validators[id]!.publicKey), votingPower: 10 })),
    params,
    ...document,
  })
  return { genesis, operators, validators }
}

let nonce = 1

/** A signed transaction (sender first); a fresh nonce each call. */
export function tx(
  suite: CryptoSuite,
  from: Signer | Signer[],
  module: string,
  method: string,
  // biome-ignore lint/suspicious/noExplicitAny: any codec
  argsCodec: codec.Codec<any>,
  args: unknown,
): Uint8Array {
  const signers = Array.isArray(from) ? from : [from]
  return signTx(
    suite,
    {
      chainId: GOV_CHAIN_ID,
      sender: signers[0]!.publicKey,
      nonce: nonce++,
      validUntilHeight: 500,
      module,
      method,
      args: codec.encode(argsCodec, args),
    },
    signers.map((s) => s.privateKey),
  ).bytes
}

/** Drives a chain from genesis (initGenesis at height 1) over a memory store with all built-in modules. */
export class GovChain {
  readonly store: ChainStore = new MemoryChainStore()
  readonly cache = new ExecutionCache()
  parent: ParentInfo | undefined
  timeMs: number

  constructor(
    readonly suite: CryptoSuite,
    readonly genesis: Genesis,
    readonly modules: ModuleRegistry = defaultModuleRegistry(),
  ) {
    this.timeMs = genesis.genesisTimeMs
  }

  get height(): number {
    return this.parent?.header.height ?? 0
  }

  /** Builds and commits one block; returns the results in order. Throws if a transaction was left out. */
  step(txs: readonly Uint8Array[] = []): TxResult[] {
    const { results, dropped } = this.stepAll(txs)
    if (dropped.length > 0) throw new Error(`dropped: ${dropped.join(',')}`)
    return results
  }

  /**
   * Builds and commits one block of the admissible ones; returns their results and the codes of
   * the transactions the proposer left out (e.g. TX_SENDER_UNREGISTERED), in order.
   */
  stepAll(txs: readonly Uint8Array[] = [], advanceMs = 1000): { results: TxResult[]; dropped: string[] } {
    this.timeMs += advanceMs
    const height = this.height + 1
    const lastCommit = this.parent === undefined ? undefined : this.store.getCertificate(this.height)
    const built = buildBlock({
      suite: this.suite,
      chainId: GOV_CHAIN_ID,
      modules: this.modules,
      store: this.store,
      cache: this.cache,
      genesis: this.genesis,
      height,
      timeMs: this.timeMs,
      ...(this.parent === undefined ? {} : { parent: this.parent }),
      ...(lastCommit === undefined ? {} : { lastCommit }),
      validatorSetHash: new Uint8Array(32),
      nextValidatorSetHash: new Uint8Array(32),
      proposer: 'node-0',
      txs,
    })
    this.commit(built.block, built.blockHash, built.execution)
    return { results: built.execution.results, dropped: built.dropped.map((d) => d.code) }
  }

  private commit(
    block: Parameters<ChainStore['commitBlock']>[0]['block'],
    hash: Uint8Array,
    execution: BlockExecution,
  ) {
    this.store.commitBlock({
      block,
      blockHash: hash,
      certificate: fakeCertificate(block.header.height, hash),
      smtNodes: execution.smtNodes,
      txResults: execution.results,
      indexes: execution.indexes,
    })
    this.parent = { header: block.header, hash }
  }

  /** A module's keeper over the latest committed state. */
  keeper<K>(module: ModuleRef<string, K> | string): K {
    const meta = this.store.meta()!
    return readonlyKeeper<K>({
      suite: this.suite,
      store: this.store,
      modules: this.modules,
      module,
      root: meta.stateRoot,
      height: meta.height,
      timeMs: this.timeMs,
    })
  }

  stateRoot(): Uint8Array {
    return this.store.meta()!.stateRoot
  }
}

export const ALL_ROLES = [...ROLES]

/**
 * The privacy scan every module's tests run: where `values` (personal data by what it is, e.g.
 * {name: '王小明'}) occur in a chain's blocks or anywhere in its store (state-tree nodes, so every
 * state value; indexes; results), in clear, as SHA-256 or SM3, raw or hex. Returns the hits
 * ("block 3: sm3-hex(name)"); an empty list is the pass.
 */
export function personalDataHits(g: GovChain, values: Readonly<Record<string, string>>): string[] {
  const needles: { what: string; bytes: Buffer }[] = []
  for (const [what, value] of Object.entries(values)) {
    const v = Buffer.from(utf8(value))
    needles.push({ what, bytes: v })
    for (const [alg, h] of [
      ['sha256', createHash('sha256').update(v).digest()],
      ['sm3', Buffer.from(suites.gm.hash(v))],
    ] as const) {
      needles.push({ what: `${alg}(${what})`, bytes: h })
      needles.push({ what: `${alg}-hex(${what})`, bytes: Buffer.from(h.toString('hex')) })
    }
  }
  const hits: string[] = []
  for (let h = 1; h <= g.store.latestHeight(); h++) {
    const bytes = Buffer.from(g.store.getBlockBytes(h)!)
    for (const x of needles) if (holds(bytes, x.bytes)) hits.push(`block ${h}: ${x.what}`)
  }
  const all = serialize(g.store)
  for (const x of needles) if (holds(all, x.bytes)) hits.push(`store: ${x.what}`)
  return hits
}

const isAlnum = (b: number | undefined) =>
  b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))

/**
 * Whether `needle` occurs in `hay`. A needle of ASCII letters and digits (an amount, a code)
 * counts only as a whole token, not inside a longer run of them: the store holds hex text (ids,
 * keys), and an amount of 80070 fen is in some hex digest by chance once in a while. `"tax":80070`
 * or a length-prefixed 80070 is still found.
 */
function holds(hay: Buffer, needle: Buffer): boolean {
  if (!needle.every((b) => isAlnum(b))) return hay.includes(needle)
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) {
    if (!isAlnum(hay[i - 1]) && !isAlnum(hay[i + needle.length])) return true
  }
  return false
}

/** Whether `bytes` occur anywhere in the chain's store (the scan's own check that it can find things). */
export function storeHolds(g: GovChain, bytes: Uint8Array): boolean {
  return serialize(g.store).includes(Buffer.from(bytes))
}
export * from './chain-driver.ts'
export * from './light-chain.ts'
