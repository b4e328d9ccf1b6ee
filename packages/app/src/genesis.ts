/**
 * The genesis document: what every node of a consortium agrees on before block 1 — the chain
 * id, the crypto suite, the founding organisations (departments) with their CA certificates and
 * operator keys, the first validator set and the chain parameters.
 *
 * It travels as JSON (operators read and diff it) but is hashed through the canonical binary
 * encoding, and that hash is block 1's `previousHash`, so a node started with a different
 * genesis can never accept the chain.
 */
import {
  ADMIN_LEVELS,
  type AdminLevel,
  CREDIT_CODE_PATTERN,
  type CryptoSuite,
  codec,
  encode,
  fromHex,
  GovchainError,
  getSuite,
  ID_PATTERN,
  REGION_CODE_PATTERN,
  ROLES,
  type Role,
  type SuiteName,
  toHex,
  type ValidatorSet,
} from '@govchain/core'

const { struct, string, u64, u32, vec, bytes, literals, bool } = codec

export interface ChainParams {
  /** Maximum transactions in one block. */
  blockMaxTxs: number
  /** Maximum encoded size of one block's transactions, bytes. */
  blockMaxBytes: number
  /** How far ahead a transaction's validUntilHeight may be. */
  maxTxValidityBlocks: number
  timeoutProposeMs: number
  timeoutPrevoteMs: number
  timeoutPrecommitMs: number
  /** Added to each timeout per round (timeouts grow with the round). */
  timeoutDeltaMs: number
  /** Pause after a commit before the next height when the mempool has transactions. */
  blockIntervalMs: number
  /** Pause after a commit when the mempool is empty (empty blocks keep time and liveness visible). */
  emptyBlockIntervalMs: number
  /** How far a proposed block time may lie ahead of a validator's clock. */
  maxClockDriftMs: number
  /**
   * anchor.put by a DID (not an officer): at most this many per DID and day of block time; 0
   * stops DIDs anchoring. DIDs cost nothing to create, so their writes are bounded per identity.
   */
  anchorQuotaPerIdentityPerDay: number
}

export const DEFAULT_PARAMS: ChainParams = {
  blockMaxTxs: 5000,
  blockMaxBytes: 8 * 1024 * 1024,
  maxTxValidityBlocks: 1000,
  timeoutProposeMs: 3000,
  timeoutPrevoteMs: 1000,
  timeoutPrecommitMs: 1000,
  timeoutDeltaMs: 500,
  blockIntervalMs: 20,
  emptyBlockIntervalMs: 1000,
  maxClockDriftMs: 30_000,
  anchorQuotaPerIdentityPerDay: 100,
}

export interface GenesisOrganisation {
  id: string
  /** Official name, e.g. 市场监督管理局. */
  name: string
  nameEn: string
  /** Unified social credit code (统一社会信用代码) of the department. */
  code: string
  /** Administrative level: national | province | city | district. */
  level: AdminLevel
  /** GB/T 2260 administrative division code, e.g. 110000 (北京市), 110108 (海淀区). */
  regionCode: string
  /** Human-readable region, e.g. 北京市. */
  region: string
  /** PEM of the organisation's CA (issues its nodes' TLS certificates). */
  caCertPem: string
  /** Hex public key (chain suite) of the organisation's operator. */
  operatorPublicKey: string
  /** An identity authority (e.g. 公安): its registrars may attach keyed pseudonyms to DIDs. Default false. */
  identityAuthority?: boolean
  /**
   * Officers at genesis. Default (filled in by parseGenesis): one officer `<id>-admin` holding
   * the operator key with every role, so a new consortium can act at once.
   */
  officers?: GenesisOfficer[]
}

export interface GenesisOfficer {
  officerId: string
  /** Hex public key in the chain's suite. */
  publicKey: string
  roles: Role[]
}

/** Officers per organisation in a genesis document. */
export const GENESIS_OFFICERS_MAX = 16

export interface GenesisValidator {
  id: string
  orgId: string
  /** Hex public key in the chain's suite. */
  publicKey: string
  votingPower: number
}

/** A module a chain runs, pinned at a version (the module contract's `version`). */
export interface GenesisModule {
  name: string
  version: string
}

export interface Genesis {
  chainId: string
  suite: SuiteName
  genesisTimeMs: number
  organisations: GenesisOrganisation[]
  validators: GenesisValidator[]
  params: ChainParams
  /**
   * Every module the chain runs, with its version. A node that lacks one, or has another
   * version, refuses to start (GENESIS_MODULE_MISSING / GENESIS_MODULE_VERSION). Absent only in
   * documents written before the module contract (0.1): those run the six built-in modules,
   * and hash exactly as they did.
   */
  modules?: GenesisModule[]
  /** Each module's own section (JSON), parsed and checked by that module. */
  sections?: Record<string, unknown>
}

/** The modules of documents written before `modules` existed (govchain 0.1). */
export const LEGACY_GENESIS_MODULES: readonly string[] = [
  'anchor',
  'identity',
  'governance',
  'catalog',
  'sharing',
  'license',
]
export const GENESIS_MODULES_MAX = 64
export const GENESIS_SECTIONS_BYTES_MAX = 256 * 1024
const MODULE_VERSION = /^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$/

/**
 * RFC 8785 JSON Canonicalization Scheme: object members sorted by UTF-16 code units, no
 * whitespace, ECMAScript number and string serialisation (what JSON.stringify does). The
 * genesis hash covers module sections in this form, so no module codec is needed to hash one.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) fail('sections: numbers must be finite')
    if (v === undefined || typeof v === 'function' || typeof v === 'bigint' || typeof v === 'symbol') {
      fail('sections: only JSON values')
    }
    return JSON.stringify(v)
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  const keys = Object.keys(v).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`
}

const GenesisCodec = struct({
  chainId: string(64),
  suite: literals(['gm', 'intl'] as const),
  genesisTimeMs: u64,
  organisations: vec(
    struct({
      id: string(64),
      name: string(256),
      nameEn: string(256),
      code: string(64),
      level: literals(ADMIN_LEVELS),
      regionCode: string(8),
      region: string(128),
      caCertPem: string(16 * 1024),
      operatorPublicKey: bytes(65),
      identityAuthority: bool,
      officers: vec(
        struct({ officerId: string(64), publicKey: bytes(65), roles: vec(literals(ROLES), ROLES.length) }),
        GENESIS_OFFICERS_MAX,
      ),
    }),
    256,
  ),
  validators: vec(struct({ id: string(64), orgId: string(64), publicKey: bytes(65), votingPower: u64 }), 256),
  params: struct({
    blockMaxTxs: u32,
    blockMaxBytes: u32,
    maxTxValidityBlocks: u32,
    timeoutProposeMs: u32,
    timeoutPrevoteMs: u32,
    timeoutPrecommitMs: u32,
    timeoutDeltaMs: u32,
    blockIntervalMs: u32,
    emptyBlockIntervalMs: u32,
    maxClockDriftMs: u32,
    anchorQuotaPerIdentityPerDay: u32,
  }),
})

function fail(message: string): never {
  throw new GovchainError('GENESIS_INVALID', message)
}

/** Checks a parsed JSON genesis document and returns it typed. Throws GENESIS_INVALID. */
export function parseGenesis(json: unknown): Genesis {
  if (typeof json !== 'object' || json === null) fail('genesis must be a JSON object')
  const g = json as Genesis
  if (typeof g.chainId !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(g.chainId)) {
    fail('chainId: 1-64 chars of [a-z0-9._-]')
  }
  if (g.suite !== 'gm' && g.suite !== 'intl') fail('suite must be "gm" or "intl"')
  if (!Number.isSafeInteger(g.genesisTimeMs) || g.genesisTimeMs < 0) fail('genesisTimeMs must be a time in ms')
  if (!Array.isArray(g.organisations) || g.organisations.length === 0) fail('at least one organisation')
  if (!Array.isArray(g.validators) || g.validators.length === 0) fail('at least one validator')
  const suite = getSuite(g.suite)
  const orgIds = new Set<string>()
  const officerIds = new Set<string>()
  const officerKeys = new Set<string>()
  const organisations: GenesisOrganisation[] = []
  for (const o of g.organisations) {
    if (typeof o !== 'object' || o === null) fail('organisations: objects')
    if (typeof o.id !== 'string' || !ID_PATTERN.test(o.id)) fail(`organisation id ${String(o.id)}: ${ID_PATTERN}`)
    if (orgIds.has(o.id)) fail(`duplicate organisation ${o.id}`)
    orgIds.add(o.id)
    checkKey(suite, o.operatorPublicKey, `organisation ${o.id} operatorPublicKey`)
    if (!ADMIN_LEVELS.includes(o.level)) fail(`organisation ${o.id}: level must be ${ADMIN_LEVELS.join('|')}`)
    if (typeof o.regionCode !== 'string' || !REGION_CODE_PATTERN.test(o.regionCode)) {
      fail(`organisation ${o.id}: regionCode must be a 6-digit GB/T 2260 code`)
    }
    if (typeof o.code !== 'string' || !CREDIT_CODE_PATTERN.test(o.code)) {
      fail(`organisation ${o.id}: code must be an 18-character unified social credit code`)
    }
    if (o.identityAuthority !== undefined && typeof o.identityAuthority !== 'boolean') {
      fail(`organisation ${o.id}: identityAuthority must be a boolean`)
    }
    const officers: GenesisOfficer[] = o.officers ?? [
      { officerId: `${o.id}-admin`, publicKey: o.operatorPublicKey.toLowerCase(), roles: [...ROLES] },
    ]
    if (!Array.isArray(officers) || officers.length === 0 || officers.length > GENESIS_OFFICERS_MAX) {
      fail(`organisation ${o.id}: 1-${GENESIS_OFFICERS_MAX} officers`)
    }
    for (const f of officers) {
      if (typeof f?.officerId !== 'string' || !ID_PATTERN.test(f.officerId)) fail(`organisation ${o.id}: officer id`)
      if (officerIds.has(f.officerId)) fail(`duplicate officer ${f.officerId}`)
      officerIds.add(f.officerId)
      checkKey(suite, f.publicKey, `officer ${f.officerId} publicKey`)
      if (officerKeys.has(f.publicKey.toLowerCase())) fail(`officer ${f.officerId}: key held by two officers`)
      officerKeys.add(f.publicKey.toLowerCase())
      if (
        !Array.isArray(f.roles) ||
        f.roles.length === 0 ||
        !f.roles.every((r) => ROLES.includes(r)) ||
        new Set(f.roles).size !== f.roles.length
      ) {
        fail(`officer ${f.officerId}: roles must be distinct, of ${ROLES.join('|')}`)
      }
    }
    if (!officers.some((f) => f.roles.includes('admin'))) fail(`organisation ${o.id}: needs an admin officer`)
    organisations.push({ ...o, identityAuthority: o.identityAuthority ?? false, officers })
  }
  const ids = new Set<string>()
  const keys = new Set<string>()
  for (const v of g.validators) {
    if (ids.has(v.id)) fail(`duplicate validator ${v.id}`)
    ids.add(v.id)
    if (!orgIds.has(v.orgId)) fail(`validator ${v.id}: unknown organisation ${v.orgId}`)
    checkKey(suite, v.publicKey, `validator ${v.id} publicKey`)
    if (keys.has(v.publicKey)) fail(`validator ${v.id}: key used twice`)
    keys.add(v.publicKey)
    if (!Number.isSafeInteger(v.votingPower) || v.votingPower <= 0) fail(`validator ${v.id}: votingPower > 0`)
  }
  const params = { ...DEFAULT_PARAMS, ...(g.params ?? {}) }
  for (const [k, v] of Object.entries(params)) {
    if (!Number.isSafeInteger(v) || v < 0 || v > 0xffff_ffff) fail(`params.${k} must be a u32`)
  }
  if (g.modules !== undefined) {
    if (!Array.isArray(g.modules) || g.modules.length === 0 || g.modules.length > GENESIS_MODULES_MAX) {
      fail(`modules: 1-${GENESIS_MODULES_MAX} entries of {name, version}`)
    }
    const names = new Set<string>()
    for (const m of g.modules) {
      if (typeof m?.name !== 'string' || !/^[a-z][a-z0-9_]{0,31}$/.test(m.name))
        fail(`modules: bad name ${String(m?.name)}`)
      if (names.has(m.name)) fail(`modules: ${m.name} listed twice`)
      names.add(m.name)
      if (typeof m.version !== 'string' || !MODULE_VERSION.test(m.version)) {
        fail(`modules: ${m.name} version must be MAJOR.MINOR.PATCH`)
      }
    }
  }
  if (g.sections !== undefined) {
    if (typeof g.sections !== 'object' || g.sections === null || Array.isArray(g.sections)) fail('sections: an object')
    if (g.modules === undefined) fail('sections need a modules list')
    for (const name of Object.keys(g.sections)) {
      if (!g.modules.some((m) => m.name === name)) fail(`sections: ${name} is not in modules`)
    }
    if (canonicalJson(g.sections).length > GENESIS_SECTIONS_BYTES_MAX) fail('sections: too large')
  }
  const genesis: Genesis = { ...g, organisations, params }
  try {
    encode(GenesisCodec, toWire(genesis))
  } catch (e) {
    fail(`does not encode: ${(e as Error).message}`)
  }
  return genesis
}

function checkKey(suite: CryptoSuite, hex: string, what: string): void {
  let key: Uint8Array
  try {
    key = fromHex(hex)
  } catch {
    fail(`${what} is not hex`)
  }
  if (key.length !== suite.publicKeyLength) fail(`${what} must be ${suite.publicKeyLength} bytes for ${suite.name}`)
}

function toWire(g: Genesis) {
  return {
    ...g,
    organisations: g.organisations.map((o) => ({
      id: o.id,
      name: o.name,
      nameEn: o.nameEn,
      code: o.code,
      level: o.level,
      regionCode: o.regionCode,
      region: o.region,
      caCertPem: o.caCertPem,
      operatorPublicKey: fromHex(o.operatorPublicKey),
      identityAuthority: o.identityAuthority ?? false,
      officers: (o.officers ?? []).map((f) => ({
        officerId: f.officerId,
        publicKey: fromHex(f.publicKey),
        roles: f.roles,
      })),
    })),
    validators: g.validators.map((v) => ({
      id: v.id,
      orgId: v.orgId,
      publicKey: fromHex(v.publicKey),
      votingPower: v.votingPower,
    })),
  }
}

const ModulesCodec = struct({
  modules: vec(struct({ name: string(32), version: string(20) }), GENESIS_MODULES_MAX),
  sections: string(GENESIS_SECTIONS_BYTES_MAX),
})

/**
 * The canonical bytes of a genesis document: the platform fields, then (for documents with a
 * modules list) the modules and the canonical JSON of the sections. Documents without one
 * (govchain 0.1) encode as they always did, so their chains keep their hashes.
 */
export function genesisBytes(g: Genesis): Uint8Array {
  const base = encode(GenesisCodec, toWire(g))
  if (g.modules === undefined) return base
  const ext = encode(ModulesCodec, {
    modules: g.modules.map((m) => ({ name: m.name, version: m.version })),
    sections: canonicalJson(g.sections ?? {}),
  })
  const out = new Uint8Array(base.length + ext.length)
  out.set(base)
  out.set(ext, base.length)
  return out
}

/**
 * The modules a chain runs, from those this node has: every module the genesis names, at the
 * version it names, in genesis order. A legacy document (no list) runs the six 0.1 modules.
 */
export function chainModules<M extends { name: string; version?: string }>(g: Genesis, available: readonly M[]): M[] {
  const byName = new Map(available.map((m) => [m.name, m]))
  const wanted = g.modules ?? LEGACY_GENESIS_MODULES.map((name) => ({ name, version: undefined }))
  return wanted.map((w) => {
    const m = byName.get(w.name)
    if (m === undefined) {
      throw new GovchainError(
        'GENESIS_MODULE_MISSING',
        `the chain runs module ${w.name}, which this node does not have`,
      )
    }
    if (w.version !== undefined && m.version !== w.version) {
      throw new GovchainError(
        'GENESIS_MODULE_VERSION',
        `the chain runs ${w.name} ${w.version}; this node has ${m.name} ${m.version ?? '(unversioned)'}`,
      )
    }
    return m
  })
}

/** A module's section of the genesis: its own JSON parsed by the module, or its default. */
export function genesisSection<S>(
  g: Genesis,
  m: { name: string; genesis?: { parse(json: unknown, g: Genesis): S; default?(g: Genesis): S } },
): S {
  if (m.genesis === undefined) fail(`module ${m.name} has no genesis section`)
  const json = g.sections?.[m.name]
  if (json !== undefined) return m.genesis.parse(json, g)
  if (m.genesis.default !== undefined) return m.genesis.default(g)
  return fail(`module ${m.name} needs a genesis section`)
}

/** hash(genesis bytes): block 1's previousHash. */
export function genesisHash(g: Genesis): Uint8Array {
  return getSuite(g.suite).hash(genesisBytes(g))
}

export function genesisValidatorSet(g: Genesis): ValidatorSet {
  return {
    validators: g.validators.map((v) => ({ id: v.id, publicKey: fromHex(v.publicKey), votingPower: v.votingPower })),
  }
}

export function describeGenesis(g: Genesis): string {
  return `${g.chainId} (${g.suite}) ${g.organisations.length} organisations, ${g.validators.length} validators, genesis ${toHex(genesisHash(g)).slice(0, 16)}…`
}
