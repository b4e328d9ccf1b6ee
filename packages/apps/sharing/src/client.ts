/**
 * Helpers for the `catalog` and `sharing` modules (docs/sharing-api.md): build and sign their
 * transactions, sign the challenge of the authenticated views ("my accesses", lineage), and read
 * the catalogue and a department gateway's status, checked against their schemas (ADR 0019).
 */
import { getAnswer, requestAnswer } from '@govchain/app/answer'

import {
  CATALOG_METHODS,
  CATALOG_MODULE,
  type CatalogField,
  CatalogPublishArgs,
  CatalogSetGatewayArgs,
  type DataRight,
  ResourceVersion,
  type ShareType,
  type UpdateFrequency,
} from '@govchain/catalog/schema'
import { ResourceAnswer, ResourcePage } from '@govchain/catalog/views'
import {
  type BuiltTx,
  type BundleProof,
  buildTx,
  bundleProof,
  type Client,
  type EvidenceCheck,
  type HttpTransport,
  PROOF_BUNDLE_FORMAT,
  type ProofBundle,
  type ProvenStateJson,
} from '@govchain/client'
import {
  type AsyncSigner,
  type CryptoSuite,
  decode,
  encode,
  fromBase64,
  fromHex,
  GovchainError,
  type SigningKey,
  signNow,
  signWith,
  type ToSign,
  toHex,
  verifyInclusion,
} from '@govchain/core'
import {
  BatchRecord,
  type GatewayLocalFetch,
  gatewayLocalMessage,
  ReceiptBody,
  ReceiptRecord,
  RequestRecord,
  SHARING_METHODS,
  SHARING_MODULE,
  SharingDecideArgs,
  SharingReceiptArgs,
  SharingRequestArgs,
  SharingRevokeArgs,
  sharingAuthMessage,
  sharingBatchKey,
} from './schema.ts'
import { type InclusionView, LocalStatusAnswer } from './views.ts'

// ---------------------------------------------------------------- reads

/** A catalogue resource's latest version (GET /v1/catalog/resources/{id}). */
export function catalogResource(client: Pick<Client, 'getJson'>, resourceId: string): Promise<ResourceAnswer> {
  return getAnswer(client, `/v1/catalog/resources/${encodeURIComponent(resourceId)}`, ResourceAnswer)
}

/** One page of the catalogue, searched by `q` (title and description) when given (GET /v1/catalog/resources). */
export function catalogResources(
  client: Pick<Client, 'getJson'>,
  filter: { q?: string; limit?: number; after?: string } = {},
): Promise<ResourcePage> {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v))
  const qs = q.toString()
  return getAnswer(client, `/v1/catalog/resources${qs === '' ? '' : `?${qs}`}`, ResourcePage)
}

/**
 * A department gateway's status (GET /v1/local/status of its local API, through `transport`):
 * its organisation, provider URL and the resources it serves.
 */
export function gatewayLocalStatus(transport: Pick<HttpTransport, 'request'>): Promise<LocalStatusAnswer> {
  return requestAnswer(transport, 'GET', '/v1/local/status', LocalStatusAnswer)
}

// ---------------------------------------------------------------- transactions

export interface SignerOptions {
  suite: CryptoSuite
  chainId: string
  /** The sender's key: its bytes or a KeySigner. */
  privateKey: SigningKey
  nonce?: number
  validUntilHeight: number
}

const bytes32 = (v: string | Uint8Array): Uint8Array => (typeof v === 'string' ? fromHex(v) : v)

function build(s: SignerOptions, module: string, method: string, args: Uint8Array): BuiltTx {
  return buildTx({
    suite: s.suite,
    chainId: s.chainId,
    privateKey: s.privateKey,
    module,
    method,
    args,
    ...(s.nonce === undefined ? {} : { nonce: s.nonce }),
    validUntilHeight: s.validUntilHeight,
  })
}

export interface CatalogPublishOptions extends SignerOptions {
  resourceId: string
  title: string
  description: string
  ownerOrg: string
  rights: DataRight[]
  fields: CatalogField[]
  shareType: ShareType
  autoApprove?: boolean
  autoApproveMaxDurationMs?: number
  updateFrequency: UpdateFrequency
  /** Hash of the published data version (hex or bytes). */
  dataHash: string | Uint8Array
  dataVersion: string
  status?: 'active' | 'withdrawn'
  note?: string
}

/** `catalog.publish`: registers a resource (version 1) or publishes its next version. */
export function catalogPublish(o: CatalogPublishOptions): BuiltTx {
  const args: CatalogPublishArgs = {
    resourceId: o.resourceId,
    title: o.title,
    description: o.description,
    ownerOrg: o.ownerOrg,
    rights: o.rights,
    fields: o.fields,
    shareType: o.shareType,
    autoApprove: o.autoApprove ?? false,
    autoApproveMaxDurationMs: o.autoApproveMaxDurationMs ?? 0,
    updateFrequency: o.updateFrequency,
    dataHash: bytes32(o.dataHash),
    dataVersion: o.dataVersion,
    status: o.status ?? 'active',
    note: o.note ?? '',
  }
  return build(o, CATALOG_MODULE, CATALOG_METHODS.publish, encode(CatalogPublishArgs, args))
}

export interface CatalogSetGatewayOptions extends SignerOptions {
  orgId: string
  url: string
  certFingerprint: string | Uint8Array
  gatewayPublicKey: string | Uint8Array
  pseudonymAuthority?: boolean
}

/** `catalog.setGateway`: an organisation's admin registers its data gateway. */
export function catalogSetGateway(o: CatalogSetGatewayOptions): BuiltTx {
  const args: CatalogSetGatewayArgs = {
    orgId: o.orgId,
    url: o.url,
    certFingerprint: bytes32(o.certFingerprint),
    publicKey: bytes32(o.gatewayPublicKey),
    pseudonymAuthority: o.pseudonymAuthority ?? false,
  }
  return build(o, CATALOG_MODULE, CATALOG_METHODS.setGateway, encode(CatalogSetGatewayArgs, args))
}

export interface SharingRequestOptions extends SignerOptions {
  resourceId: string
  consumerOrg: string
  fields: string[]
  purpose: string
  legalBasis: string
  durationMs: number
  rowsMax: number
  rowScope?: { field: string; values: string[] }
}

/** `sharing.request`: the request id is the transaction hash (`hashHex`). */
export function sharingRequest(o: SharingRequestOptions): BuiltTx {
  const args: SharingRequestArgs = {
    resourceId: o.resourceId,
    consumerOrg: o.consumerOrg,
    fields: o.fields,
    purpose: o.purpose,
    legalBasis: o.legalBasis,
    durationMs: o.durationMs,
    rowsMax: o.rowsMax,
    ...(o.rowScope === undefined ? {} : { rowScope: o.rowScope }),
  }
  return build(o, SHARING_MODULE, SHARING_METHODS.request, encode(SharingRequestArgs, args))
}

export interface SharingDecideOptions extends SignerOptions {
  requestId: string | Uint8Array
  approve: boolean
  reason: string
  fields?: string[]
  durationMs?: number
}

/** `sharing.decide`: the owner's approver approves (optionally narrower) or rejects. */
export function sharingDecide(o: SharingDecideOptions): BuiltTx {
  const args: SharingDecideArgs = {
    requestId: bytes32(o.requestId),
    approve: o.approve,
    reason: o.reason,
    ...(o.fields === undefined ? {} : { fields: o.fields }),
    ...(o.durationMs === undefined ? {} : { durationMs: o.durationMs }),
  }
  return build(o, SHARING_MODULE, SHARING_METHODS.decide, encode(SharingDecideArgs, args))
}

export interface SharingRevokeOptions extends SignerOptions {
  requestId: string | Uint8Array
  reason: string
}

/** `sharing.revoke`: the owner's approver revokes, or the consumer renounces, a grant. */
export function sharingRevoke(o: SharingRevokeOptions): BuiltTx {
  const args: SharingRevokeArgs = { requestId: bytes32(o.requestId), reason: o.reason }
  return build(o, SHARING_MODULE, SHARING_METHODS.revoke, encode(SharingRevokeArgs, args))
}

/** Signature (hex) answering a challenge of POST /v1/sharing/auth/challenge. */
export function signSharingAuth(o: SharingAuthInput & { privateKey: SigningKey }): string {
  return signNow(o.suite, o.privateKey, () => sharingAuthToSign(o))
}

/** signSharingAuth with an AsyncSigner (a key held in the browser). */
export function signSharingAuthWith(signer: AsyncSigner, o: SharingAuthInput): Promise<string> {
  return signWith(signer, () => sharingAuthToSign(o))
}

export interface SharingAuthInput {
  suite: CryptoSuite
  chainId: string
  purpose: 'my-accesses' | 'lineage'
  challenge: string
}

function sharingAuthToSign(o: SharingAuthInput): ToSign<string> {
  return { message: sharingAuthMessage(o.chainId, o.purpose, o.challenge), finish: toHex }
}

/**
 * An officer's fetch through its own gateway: what it names. The caller picks `timeMs` (now) and
 * `nonce` (16 random bytes, hex), so a test can sign a stale or replayed request on purpose.
 */
export interface LocalFetchInput {
  grantId: string
  fields: string[]
  filter?: { field: string; values: string[] } | null
  timeMs: number
  nonce: string
}

/** The body of POST /v1/local/fetch, signed with the officer's key (SDK, CLI, tests). */
export function signGatewayLocalFetch(suite: CryptoSuite, key: SigningKey, o: LocalFetchInput): GatewayLocalFetch {
  return signNow(suite, key, (publicKey) => localFetchToSign(o, publicKey))
}

/** signGatewayLocalFetch with an AsyncSigner (a key held in the browser). */
export function signGatewayLocalFetchWith(signer: AsyncSigner, o: LocalFetchInput): Promise<GatewayLocalFetch> {
  return signWith(signer, (publicKey) => localFetchToSign(o, publicKey))
}

function localFetchToSign(o: LocalFetchInput, publicKey: Uint8Array): ToSign<GatewayLocalFetch> {
  const filter = o.filter ?? null
  return {
    message: gatewayLocalMessage(o.grantId, o.fields, filter, o.timeMs, o.nonce),
    finish: (signature) => ({
      grantId: o.grantId,
      fields: o.fields,
      filter,
      timeMs: o.timeMs,
      nonce: o.nonce,
      publicKey: toHex(publicKey),
      signature: toHex(signature),
    }),
  }
}

// ---------------------------------------------------------------- the auditor's export (issue 15)

/** The columns of an exported lineage, in the CSV's header row. */
export const LINEAGE_COLUMNS = [
  '类别 kind',
  '区块高度 height',
  '时间 time (UTC)',
  '提供方 from',
  '使用方 to',
  '数据资源 resource',
  '内容 detail',
]

const LINEAGE_KINDS = { version: '发布版本 published', request: '共享申请 request', receipt: '调取回执 receipt' }

const isoTime = (ms: number | bigint) => new Date(Number(ms)).toISOString()
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/**
 * The CSV row of a proven lineage record, made from the record's bytes alone, so a verifier
 * makes the same row offline (verifyProofBundle's renderer): a catalogue version, a data request
 * (with its grant's state at the proven height) or a fetch receipt. Throws for any other record.
 */
export function renderLineageRow(p: { module: string; key: Uint8Array; value: Uint8Array | undefined }): string[] {
  if (p.value === undefined) throw new GovchainError('PROOF_INVALID', 'a lineage row proves a record, not an absence')
  const key = text(p.key)
  if (p.module === CATALOG_MODULE && key.startsWith('ver/')) {
    const v = decode(ResourceVersion, p.value)
    return [
      LINEAGE_KINDS.version,
      String(v.height),
      isoTime(v.timeMs),
      v.ownerOrg,
      '',
      v.resourceId,
      `v${v.version} ${v.title}`,
    ]
  }
  if (p.module === SHARING_MODULE && key.startsWith('req/')) {
    const r = decode(RequestRecord, p.value)
    return [
      LINEAGE_KINDS.request,
      String(r.height),
      isoTime(r.timeMs),
      r.ownerOrg,
      r.consumerOrg,
      r.resourceId,
      `${r.status}; ${r.fields.join(' ')}; ${r.purpose}`,
    ]
  }
  if (p.module === SHARING_MODULE && key.startsWith('rcpt/')) {
    const r = decode(ReceiptRecord, p.value)
    const b = decode(ReceiptBody, r.body)
    return [
      LINEAGE_KINDS.receipt,
      String(r.height),
      isoTime(r.timeMs),
      b.providerOrg,
      b.consumerOrg,
      b.resourceId,
      `${b.rows} rows; ${b.fields.join(' ')}`,
    ]
  }
  throw new GovchainError('INVALID_ARGUMENT', `not a lineage record: ${p.module}/${key.slice(0, 40)}`)
}

/**
 * The proof bundle of lineage pages an auditor fetched (POST /v1/sharing/lineage, each item with
 * its proof): one row per catalogue version, request and receipt, ordered by height. Refusals
 * carry no per-row proof and are not in the export.
 */
export function lineageBundle(
  chainId: string,
  pages: readonly {
    versions: readonly { proof: ProvenStateJson }[]
    grants: readonly { proof: ProvenStateJson }[]
    receipts: readonly { proof: ProvenStateJson; receipt?: { batch: InclusionView | null } }[]
  }[],
  batches: ReadonlyMap<string, ProvenStateJson> = new Map(),
): ProofBundle {
  const items = pages.flatMap((p) => [
    ...[...p.versions, ...p.grants].map((x) => ({ proof: bundleProof(x.proof), evidence: undefined })),
    ...p.receipts.map((x) => {
      const inclusion = x.receipt?.batch ?? null
      if (inclusion === null) return { proof: bundleProof(x.proof), evidence: undefined }
      const batch = batches.get(inclusion.root)
      if (batch === undefined)
        throw new GovchainError('PROOF_INVALID', `no proof that batch ${inclusion.root} was committed`)
      const evidence: LineageInclusionEvidence = { inclusion, batch: bundleProof(batch) }
      return { proof: bundleProof(x.proof), evidence }
    }),
  ])
  const rows = items.map(({ proof, evidence }) => ({
    cells: renderLineageRow({
      module: proof.module,
      key: fromHex(proof.key),
      value: proof.value === null ? undefined : fromBase64(proof.value),
    }),
    proof,
    ...(evidence === undefined ? {} : { evidence }),
  }))
  rows.sort((a, b) => Number(a.cells[1]) - Number(b.cells[1]))
  return { format: PROOF_BUNDLE_FORMAT, chainId, kind: 'sharing/lineage', columns: [...LINEAGE_COLUMNS], rows }
}

/**
 * A batched receipt's evidence in a lineage bundle (ADR 0036): its RFC 9162 inclusion proof and
 * the state proof of its batch record (`batch/<root>`, GET /v1/sharing/batches/:root?prove=true).
 */
export interface LineageInclusionEvidence {
  inclusion: InclusionView
  batch: BundleProof
}

/**
 * verifyProofBundle's `checkEvidence` for lineage bundles, offline: a receipt row's evidence holds
 * when its batch record is proven committed (against the trusted validator set, as every row),
 * names the batch transaction that recorded the proven receipt, and the inclusion proof's leaf —
 * exactly the proven receipt, body and signatures — leads by its RFC 9162 path to that committed
 * root. Anything else is refused with SHARING_INCLUSION_INVALID (a bad batch state proof keeps
 * the light client's PROOF_INVALID / CERTIFICATE_INVALID).
 */
export function lineageEvidenceCheck(suite: Pick<CryptoSuite, 'hash'>): EvidenceCheck {
  return (evidence, record, verifyState) => {
    const bad = (why: string): never => {
      throw new GovchainError('SHARING_INCLUSION_INVALID', why)
    }
    if (record.module !== SHARING_MODULE || !text(record.key).startsWith('rcpt/') || record.value === undefined)
      bad('inclusion evidence on a row that is not a receipt')
    const e = evidence as Partial<LineageInclusionEvidence> | null
    if (typeof e !== 'object' || e === null || typeof e.inclusion !== 'object' || e.inclusion === null)
      return bad('no inclusion proof')
    if (typeof e.batch !== 'object' || e.batch === null) return bad('no proof of the batch root')
    const rec = decode(ReceiptRecord, record.value!)
    const receiptId = toHex(rec.receiptId)
    let root: Uint8Array
    try {
      root = fromHex(e.inclusion.root)
    } catch {
      return bad('the batch root is not hex')
    }
    const proven = verifyState(e.batch)
    if (
      proven.module !== SHARING_MODULE ||
      proven.value === undefined ||
      root.length !== 32 ||
      toHex(proven.key) !== toHex(sharingBatchKey(root))
    )
      bad(`receipt ${receiptId}: the state proof is not of batch ${e.inclusion.root}`)
    const batch = decode(BatchRecord, proven.value!)
    if (toHex(batch.txHash) !== toHex(rec.txHash))
      bad(`receipt ${receiptId}: batch ${e.inclusion.root} is not the transaction that recorded it`)
    if (batch.treeSize !== e.inclusion.treeSize) bad(`receipt ${receiptId}: the tree size is not the batch's`)
    let leaf: SharingReceiptArgs
    try {
      leaf = verifyReceiptInclusion(suite, { receiptId, batch: e.inclusion }, toHex(batch.root))
    } catch (x) {
      return bad(x instanceof Error ? x.message : String(x))
    }
    const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
      (a === undefined ? '' : toHex(a)) === (b === undefined ? '' : toHex(b))
    if (
      !same(leaf.body, rec.body) ||
      !same(leaf.providerSignature, rec.providerSignature) ||
      !same(leaf.consumerSignature, rec.consumerSignature)
    )
      bad(`receipt ${receiptId}: the leaf is not the receipt recorded`)
  }
}

/**
 * Checks a batched receipt's inclusion proof offline (ADR 0036): the leaf is an encoded receipt
 * whose body hashes to `receiptId`, and its RFC 9162 path leads to `batch.root` (and to
 * `expectedRoot`, when the caller holds the root from a proven batch record or the transaction).
 * Returns the receipt (body and both signatures) so the caller can check the signatures too;
 * throws PROOF_INVALID with the reason otherwise.
 */
export function verifyReceiptInclusion(
  suite: Pick<CryptoSuite, 'hash'>,
  receipt: { receiptId: string; batch: InclusionView | null },
  expectedRoot?: string,
): SharingReceiptArgs {
  const bad = (why: string): never => {
    throw new GovchainError('PROOF_INVALID', `receipt ${receipt.receiptId}: ${why}`)
  }
  const b = receipt.batch
  if (b === null) return bad('recorded alone, not in a batch')
  if (expectedRoot !== undefined && expectedRoot !== b.root) bad('its batch root is not the expected one')
  const leaf = fromBase64(b.leaf)
  let entry: SharingReceiptArgs
  try {
    entry = decode(SharingReceiptArgs, leaf)
  } catch {
    return bad('the leaf is not an encoded receipt')
  }
  if (toHex(suite.hash(entry.body)) !== receipt.receiptId) bad('the leaf is another receipt')
  const proof = { leafIndex: b.leafIndex, treeSize: b.treeSize, path: b.path.map(fromHex) }
  if (!verifyInclusion(suite.hash, fromHex(b.root), leaf, proof)) bad('the inclusion path does not lead to the root')
  return entry
}
