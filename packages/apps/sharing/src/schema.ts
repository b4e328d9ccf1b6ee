/**
 * The `sharing` module's wire types: requests for a catalogue resource, the owner's decision
 * (a time-boxed, revocable grant), receipts signed by both gateways (X-Road-style
 * non-repudiation) and refusals. Also the gateway protocol's signed request, the encrypted
 * envelope, keyed pseudonyms of data subjects and the signing strings of the API's
 * challenge authentication, so the node, gateway, SDK and portal encode the same bytes.
 *
 * Privacy: nothing here carries personal data. Data subjects appear only as keyed pseudonyms
 * (HMAC with the identity authority's key, see `subjectPseudonym`); request and response
 * hashes cover random nonces or ciphertext, so they cannot be brute-forced back to an ID number.
 */

import { moduleRef } from '@govchain/app/ref'
import { CATALOG_LIMITS } from '@govchain/catalog/schema'
import type { CryptoSuite } from '@govchain/core'
import {
  codec,
  concatBytes,
  type ErrorInfo,
  errorInfo,
  GovchainError,
  hash32,
  INCLUSION_PATH_MAX,
  type InclusionProof,
  isErrorCode,
  merkleProofs,
  merkleRoot,
  publicKey,
  registerErrors,
  signature64,
  utf8,
} from '@govchain/core'
import type { SharingKeeper } from './module.ts'

const { bool, bytes, fixedBytes, literals, option, string, struct, u32, u64, vec } = codec

export const SHARING_MODULE = 'sharing'

/** The sharing module's error codes, merged into the one catalogue (HTTP status and message). */
export const SHARING_ERRORS = {
  SHARING_REQUEST_NOT_FOUND: { http: 404, message: 'no such data request or grant' },
  SHARING_CASE_MISMATCH: {
    http: 403,
    message: 'a case’s pull serves only its applicant’s rows, the consented fields, to the handling department',
  },
  SHARING_CASE_CLOSED: { http: 403, message: 'the service case is closed: its consent no longer allows pulls' },
  SHARING_RECEIPT_NOT_FOUND: { http: 404, message: 'no such receipt' },
  SHARING_BAD_REQUEST: { http: 400, message: 'data request is invalid' },
  SHARING_NOT_SHARED: { http: 403, message: 'the resource is not shared (不予共享)' },
  SHARING_RESOURCE_WITHDRAWN: { http: 409, message: 'the resource has been withdrawn' },
  SHARING_NOT_PENDING: { http: 409, message: 'the request was already decided' },
  SHARING_NOT_REVOCABLE: { http: 409, message: 'only an approved grant can be revoked' },
  SHARING_NO_GRANT: { http: 403, message: 'no grant for this consumer and resource' },
  SHARING_GRANT_NOT_ACTIVE: { http: 403, message: 'the grant is not active (pending or rejected)' },
  SHARING_GRANT_EXPIRED: { http: 403, message: 'the grant has expired' },
  SHARING_GRANT_REVOKED: { http: 403, message: 'the grant was revoked' },
  SHARING_FIELD_NOT_GRANTED: { http: 403, message: 'a requested field is not granted' },
  SHARING_VOLUME_EXCEEDED: { http: 403, message: 'the grant volume (rows) is used up' },
  SHARING_SCOPE_REQUIRED: {
    http: 403,
    message: 'personal or sensitive fields are served only for named data subjects or a scoped grant',
  },
  SHARING_RECEIPT_EXISTS: { http: 409, message: 'this receipt is already recorded' },
  SHARING_BAD_RECEIPT: { http: 400, message: 'receipt does not match its grant or signatures' },
  SHARING_NOT_GATEWAY: { http: 403, message: 'sender is not the registered gateway of the organisation' },
  SHARING_AUTH_FAILED: { http: 401, message: 'challenge authentication failed' },
  SHARING_BATCH_INVALID: {
    http: 400,
    message: 'a receipt batch holds 1 to 1,000 receipts of one provider, each recorded once',
  },
  SHARING_BATCH_ROOT_MISMATCH: { http: 400, message: 'the batch root is not the Merkle root of its receipts' },
  SHARING_BATCH_NOT_FOUND: { http: 404, message: 'no such receipt batch' },
  SHARING_INCLUSION_INVALID: {
    http: 400,
    message: 'a receipt’s inclusion proof does not lead to the root of the committed batch that recorded it',
  },
  // raised by the portal's lineage walk (portal/lineage.ts), never answered by a node
  SHARING_LINEAGE_TOO_LONG: {
    http: 413,
    message: 'the lineage runs to more pages than one fetch walks: page it through POST /v1/sharing/lineage',
  },
} as const satisfies Record<string, ErrorInfo>
registerErrors(SHARING_MODULE, SHARING_ERRORS)

/**
 * The codes of the gateway protocol (this schema's DataRequest, receipts, the local API): the
 * data gateways (@govchain/gateway) answer them, and some are recorded as refusals on chain
 * (REFUSAL_CODES), so they belong to the sharing application, not to the protocol core.
 */
export const GATEWAY_ERRORS = {
  GATEWAY_BAD_REQUEST: { http: 400, message: 'gateway request is malformed' },
  GATEWAY_BAD_SIGNATURE: { http: 401, message: 'gateway request signature does not verify' },
  GATEWAY_REPLAY: { http: 409, message: 'gateway request was already served (replay)' },
  GATEWAY_STALE_REQUEST: { http: 401, message: 'gateway request time is outside the accepted window' },
  GATEWAY_CERT_NOT_CONSORTIUM: { http: 401, message: 'client certificate is not issued by a consortium organisation' },
  GATEWAY_CERT_MISMATCH: { http: 403, message: 'certificate does not match the registered gateway' },
  GATEWAY_CERT_NOT_REGISTERED: {
    http: 403,
    message: 'client certificate is not a data gateway certificate registered in the catalogue',
  },
  GATEWAY_UNKNOWN_CONSUMER: { http: 403, message: 'the requesting organisation has no registered gateway' },
  GATEWAY_BAD_RESPONSE: { http: 502, message: 'the provider gateway answered with an invalid response' },
  GATEWAY_UNREACHABLE: { http: 503, message: 'the gateway could not be reached' },
  GATEWAY_CONNECTOR_ERROR: { http: 500, message: 'the department database failed' },
  GATEWAY_CONFIG_INVALID: { http: 400, message: 'gateway configuration is invalid' },
  GATEWAY_BUSY: {
    http: 503,
    message: 'the gateway holds as many receipts waiting for the chain as it may: retry shortly',
  },
  GATEWAY_ACK_LATE: {
    http: 409,
    message: 'the countersignature came too late: the provider recorded the receipt alone',
  },
} as const satisfies Record<string, ErrorInfo>

registerErrors('gateway', GATEWAY_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes
    extends Record<keyof typeof SHARING_ERRORS, true>,
      Record<keyof typeof GATEWAY_ERRORS, true> {}
}

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(sharingRef)`. */
export const sharingRef = moduleRef<SharingKeeper>()(SHARING_MODULE)
export const SHARING_METHODS = {
  request: 'request',
  decide: 'decide',
  revoke: 'revoke',
  receipt: 'receipt',
  refusal: 'refusal',
  receiptBatch: 'receiptBatch',
} as const

export const SHARING_LIMITS = {
  purposeBytes: 512,
  legalBasisBytes: 512,
  reasonBytes: 512,
  scopeValues: 64,
  valueBytes: 128,
  /** Rows one gateway answer may carry, and so subjects per receipt. */
  rowsPerFetch: 500,
  /** Filter values in one gateway request. */
  filterValues: 500,
  codeBytes: 64,
  /** (requester, code) counts in one refusal record: at most this many pairs per interval go on chain. */
  refusalCounts: 256,
  /** Longest grant: 5 years. */
  durationMsMax: 5 * 366 * 86_400_000,
  receiptBodyBytes: 64 * 1024,
  /** Receipts one batch transaction may carry (ADR 0036); the transaction's size bounds it too. */
  batchReceipts: 1000,
  /**
   * State keys a batch writes at most (each receipt's record and inclusion, each grant, the
   * batch) and index entries (five per receipt and one per subject): the handler's raised
   * budgets (HandlerLimits); the gateway's batcher keeps a batch's index entries within it.
   */
  batchWrites: 3 * 1000 + 1,
  batchIndexWrites: 16_000,
  /** Encrypted answer size bound (the gateway refuses larger answers). */
  envelopeBytes: 8 * 1024 * 1024,
} as const

export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'revoked'] as const
export type RequestStatus = (typeof REQUEST_STATUSES)[number]
/** Computed at a given time: what a gateway and a portal care about. */
export type GrantState = 'pending' | 'active' | 'expired' | 'exhausted' | 'rejected' | 'revoked'

const fieldName = string(CATALOG_LIMITS.fieldNameBytes)
const fieldList = vec(fieldName, CATALOG_LIMITS.fields)
const orgId = string(CATALOG_LIMITS.orgIdBytes)
const resourceId = string(CATALOG_LIMITS.resourceIdBytes)

/** An optional restriction of a grant to rows whose `field` is one of `values`. */
export const RowScope = struct({
  field: fieldName,
  values: vec(string(SHARING_LIMITS.valueBytes), SHARING_LIMITS.scopeValues),
})
export type RowScope = codec.Infer<typeof RowScope>

export const SharingRequestArgs = struct({
  resourceId,
  consumerOrg: orgId,
  fields: fieldList,
  purpose: string(SHARING_LIMITS.purposeBytes),
  legalBasis: string(SHARING_LIMITS.legalBasisBytes),
  durationMs: u64,
  /** Volume: rows the consumer may receive in total under the grant. */
  rowsMax: u32,
  rowScope: option(RowScope),
})
export type SharingRequestArgs = codec.Infer<typeof SharingRequestArgs>

export const SharingDecideArgs = struct({
  requestId: hash32,
  approve: bool,
  reason: string(SHARING_LIMITS.reasonBytes),
  /** Approve fewer fields than asked. */
  fields: option(fieldList),
  /** Approve a shorter duration than asked. */
  durationMs: option(u64),
})
export type SharingDecideArgs = codec.Infer<typeof SharingDecideArgs>

export const SharingRevokeArgs = struct({ requestId: hash32, reason: string(SHARING_LIMITS.reasonBytes) })
export type SharingRevokeArgs = codec.Infer<typeof SharingRevokeArgs>

export const Decision = struct({
  approve: bool,
  /** The approver's key; empty when a stated policy decided (`auto`). */
  by: bytes(65),
  auto: bool,
  reason: string(SHARING_LIMITS.reasonBytes),
  height: u64,
  timeMs: u64,
})
export type Decision = codec.Infer<typeof Decision>

export const Grant = struct({
  notBeforeMs: u64,
  expiresMs: u64,
  fields: fieldList,
  rowsMax: u32,
})
export type Grant = codec.Infer<typeof Grant>

export const Revocation = struct({
  by: publicKey,
  reason: string(SHARING_LIMITS.reasonBytes),
  height: u64,
  timeMs: u64,
})
export type Revocation = codec.Infer<typeof Revocation>

export const RequestRecord = struct({
  requestId: hash32,
  resourceId,
  resourceVersion: u32,
  consumerOrg: orgId,
  ownerOrg: orgId,
  fields: fieldList,
  purpose: string(SHARING_LIMITS.purposeBytes),
  legalBasis: string(SHARING_LIMITS.legalBasisBytes),
  durationMs: u64,
  rowsMax: u32,
  rowScope: option(RowScope),
  requestedBy: publicKey,
  height: u64,
  timeMs: u64,
  status: literals(REQUEST_STATUSES),
  decision: option(Decision),
  grant: option(Grant),
  revocation: option(Revocation),
  rowsUsed: u64,
  fetches: u64,
})
export type RequestRecord = codec.Infer<typeof RequestRecord>

/**
 * A grant opened by a service case (the applicant's consent, module `service`): rows of that
 * applicant only (`subject`, the keyed pseudonym the identity authority bound to the applicant's
 * DID), while the case is open. Stored beside the grant under `case/<requestId>`.
 */
export const CaseGrantLink = struct({
  caseId: hash32,
  subject: hash32,
})
export type CaseGrantLink = codec.Infer<typeof CaseGrantLink>

/** What another module passes to open a case grant (SharingKeeper.openCaseGrant). */
export interface CaseGrantInput {
  caseId: Uint8Array
  /** Which of the case's pulls (grant id = hash(caseId ‖ u32 index)). */
  index: number
  subject: Uint8Array
  consumerOrg: string
  resourceId: string
  fields: string[]
  purpose: string
  legalBasis: string
  untilMs: number
  rowsMax: number
}

/** What both gateways sign (exact encoded bytes, DOMAIN_SHARING.receipt prefix). */
export const ReceiptBody = struct({
  chainId: string(64),
  grantId: hash32,
  resourceId,
  resourceVersion: u32,
  consumerOrg: orgId,
  providerOrg: orgId,
  consumerKey: publicKey,
  providerKey: publicKey,
  /** Hash of the exact signed request bytes (they contain a random nonce). */
  requestHash: hash32,
  /** Hash of the exact envelope bytes delivered (ciphertext). */
  responseHash: hash32,
  fields: fieldList,
  rows: u32,
  /** Keyed pseudonyms of the data subjects in the answer (deduplicated). */
  subjects: vec(hash32, SHARING_LIMITS.rowsPerFetch),
  /** The provider gateway's clock when it served the answer. */
  servedAtMs: u64,
})
export type ReceiptBody = codec.Infer<typeof ReceiptBody>

export const SharingReceiptArgs = struct({
  body: bytes(SHARING_LIMITS.receiptBodyBytes),
  providerSignature: signature64,
  /** Absent when the consumer never acknowledged: the provider still records what it served. */
  consumerSignature: option(signature64),
})
export type SharingReceiptArgs = codec.Infer<typeof SharingReceiptArgs>

export const ReceiptRecord = struct({
  receiptId: hash32,
  body: bytes(SHARING_LIMITS.receiptBodyBytes),
  providerSignature: signature64,
  consumerSignature: option(signature64),
  height: u64,
  timeMs: u64,
  txHash: hash32,
})
export type ReceiptRecord = codec.Infer<typeof ReceiptRecord>

/**
 * A batch of receipts in one transaction (ADR 0036): up to SHARING_LIMITS.batchReceipts, each
 * exactly as `sharing.receipt` takes it, and the RFC 9162 Merkle root over their leaves
 * (`receiptBatchLeaf`). The handler recomputes the root, checks every receipt as `receipt`
 * does, and records each with its inclusion proof. The codec admits twice the bound so that an
 * oversize batch is refused with SHARING_BATCH_INVALID rather than failing to decode.
 */
export const SharingReceiptBatchArgs = struct({
  /** The provider whose gateway recorded every receipt (the sender must be its registered key). */
  providerOrg: orgId,
  root: hash32,
  receipts: vec(SharingReceiptArgs, 2 * SHARING_LIMITS.batchReceipts),
})
export type SharingReceiptBatchArgs = codec.Infer<typeof SharingReceiptBatchArgs>

/**
 * A receipt's place in its batch: the batch root and the RFC 9162 inclusion path of its leaf.
 * Stored under `rinc/<receiptId>` beside the receipt record (which `receipt` and
 * `receiptBatch` write alike).
 */
export const ReceiptInclusion = struct({
  root: hash32,
  leafIndex: u32,
  treeSize: u32,
  path: vec(hash32, INCLUSION_PATH_MAX),
})
export type ReceiptInclusion = codec.Infer<typeof ReceiptInclusion>

/** A recorded batch, under `batch/<root>`: its state proof shows the root was committed. */
export const BatchRecord = struct({
  root: hash32,
  providerOrg: orgId,
  treeSize: u32,
  recordedBy: publicKey,
  height: u64,
  timeMs: u64,
  txHash: hash32,
})
export type BatchRecord = codec.Infer<typeof BatchRecord>

/** A receipt's leaf in its batch's Merkle tree: the exact encoded `SharingReceiptArgs` (body and both signatures). */
export function receiptBatchLeaf(entry: SharingReceiptArgs): Uint8Array {
  return codec.encode(SharingReceiptArgs, entry)
}

/** The RFC 9162 root over a batch's receipts (the gateway fills `SharingReceiptBatchArgs.root` with it). */
export function receiptBatchRoot(
  hash: (d: Uint8Array) => Uint8Array,
  entries: readonly SharingReceiptArgs[],
): Uint8Array {
  return merkleRoot(hash, entries.map(receiptBatchLeaf))
}

/** The root and every receipt's inclusion proof (the handler's, in one O(n log n) pass). */
export function receiptBatchProofs(
  hash: (d: Uint8Array) => Uint8Array,
  entries: readonly SharingReceiptArgs[],
): { root: Uint8Array; proofs: InclusionProof[] } {
  return merkleProofs(hash, entries.map(receiptBatchLeaf))
}

/** Refused requests of one identified requester with one code, within a refusal record's interval. */
export const RefusalCount = struct({
  /** The requester, identified by its registered gateway certificate. */
  consumerOrg: orgId,
  code: string(SHARING_LIMITS.codeBytes),
  /** A grant the chain holds for consumerOrg from the provider, when every counted refusal named it. */
  grantId: option(hash32),
  /** Refusals counted (at least 1). */
  count: u32,
})
export type RefusalCount = codec.Infer<typeof RefusalCount>

/**
 * A provider gateway's refusals of one interval, aggregated (issue 13, items 5 and 6): at most
 * one transaction per `refusalIntervalMs`, with a count per requester and code. It carries only
 * what the chain already holds — organisations with a registered gateway, a grant the chain
 * holds for them, codes from REFUSAL_CODES, counts. Nothing the requester sent (field names,
 * filter values, paths, headers, not even a hash of its request: its nonce is its own choice)
 * and no free text: the reason shown is the code's fixed catalogue text (`refusalReason`).
 */
export const SharingRefusalArgs = struct({
  /** The refusing gateway's organisation (the sender must be its registered gateway key). */
  providerOrg: orgId,
  /** The provider gateway's clock at the first and the last refusal counted. */
  fromMs: u64,
  toMs: u64,
  /** Distinct (consumerOrg, code) pairs. */
  counts: vec(RefusalCount, SHARING_LIMITS.refusalCounts),
})
export type SharingRefusalArgs = codec.Infer<typeof SharingRefusalArgs>

/** One count of a refusal record, stored on its own so lists and lineage find it by requester and resource. */
export const RefusalRecord = struct({
  /** hash(txHash ‖ u32 index of the count). */
  refusalId: hash32,
  providerOrg: orgId,
  code: string(SHARING_LIMITS.codeBytes),
  consumerOrg: orgId,
  grantId: option(hash32),
  /** The grant's resource (from the grant on chain). */
  resourceId: option(resourceId),
  count: u32,
  fromMs: u64,
  toMs: u64,
  recordedBy: publicKey,
  height: u64,
  timeMs: u64,
  txHash: hash32,
})
export type RefusalRecord = codec.Infer<typeof RefusalRecord>

/** The fixed text shown for a refusal code: the error catalogue's message, never the requester's words. */
export function refusalReason(code: string): string {
  return isErrorCode(code) ? (errorInfo(code)?.message ?? code) : code
}

// ---------------------------------------------------------------- gateway protocol

export const DataFilter = struct({
  field: fieldName,
  values: vec(string(SHARING_LIMITS.valueBytes), SHARING_LIMITS.filterValues),
})
export type DataFilter = codec.Infer<typeof DataFilter>

/** A consumer gateway's query to a provider gateway; signed with DOMAIN_SHARING.request. */
export const DataRequest = struct({
  chainId: string(64),
  grantId: hash32,
  resourceId,
  consumerOrg: orgId,
  providerOrg: orgId,
  fields: fieldList,
  filter: option(DataFilter),
  /** 16 random bytes: replay guard, and makes the request hash unguessable. */
  nonce: fixedBytes(16),
  /** The consumer gateway's clock; the provider accepts a bounded skew. */
  timeMs: u64,
  consumerKey: publicKey,
})
export type DataRequest = codec.Infer<typeof DataRequest>

/**
 * The encrypted answer: a fresh symmetric key encrypted to the consumer gateway's key
 * (SM2 | HPKE), and the payload sealed with it (SM4-GCM | AES-256-GCM, AAD = request hash).
 */
export const DataEnvelope = struct({
  encryptedKey: bytes(1024),
  sealed: bytes(SHARING_LIMITS.envelopeBytes),
})
export type DataEnvelope = codec.Infer<typeof DataEnvelope>

export const DOMAIN_SHARING = {
  request: utf8('govchain/gateway-request/v1\0'),
  receipt: utf8('govchain/sharing-receipt/v1\0'),
} as const

export function sharingRequestKey(requestId: Uint8Array): Uint8Array {
  return concatBytes(utf8('req/'), check32(requestId))
}
export function sharingCaseLinkKey(requestId: Uint8Array): Uint8Array {
  return concatBytes(utf8('case/'), check32(requestId))
}
export function sharingReceiptKey(receiptId: Uint8Array): Uint8Array {
  return concatBytes(utf8('rcpt/'), check32(receiptId))
}
export function sharingInclusionKey(receiptId: Uint8Array): Uint8Array {
  return concatBytes(utf8('rinc/'), check32(receiptId))
}
export function sharingBatchKey(root: Uint8Array): Uint8Array {
  return concatBytes(utf8('batch/'), check32(root))
}
export function sharingRefusalKey(refusalId: Uint8Array): Uint8Array {
  return concatBytes(utf8('ref/'), check32(refusalId))
}

function check32(b: Uint8Array): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new GovchainError('INVALID_ARGUMENT', 'expected 32 bytes')
  return b
}

/** The grant's state at `timeMs` (block time for the chain, a gateway's view of the latest block). */
export function grantState(r: RequestRecord, timeMs: number): GrantState {
  if (r.status === 'pending' || r.status === 'rejected' || r.status === 'revoked') return r.status
  const g = r.grant
  if (g === undefined) return 'rejected'
  if (timeMs >= g.expiresMs) return 'expired'
  if (r.rowsUsed >= g.rowsMax) return 'exhausted'
  return 'active'
}

// ---------------------------------------------------------------- pseudonyms and authentication

/**
 * The keyed pseudonym of a data subject: HMAC(authority key, "govchain/subject/v1\n" + kind + ":" + id).
 * `id` is normalised (trimmed, upper case: the check character X of an ID number). Without the
 * key nobody can compute it, so the chain can hold it where an unkeyed hash of an 18-digit ID
 * number could be reversed by enumeration.
 */
export function subjectPseudonym(
  suite: CryptoSuite,
  key: Uint8Array,
  kind: 'person' | 'enterprise',
  id: string,
): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < 16) {
    throw new GovchainError('INVALID_ARGUMENT', 'pseudonym key must be at least 16 bytes')
  }
  return suite.hmac(key, utf8(`govchain/subject/v1\n${kind}:${id.trim().toUpperCase()}`))
}

/** What a data subject's wallet signs to prove control of its DID key to a node (challenge auth). */
export function sharingAuthMessage(
  chainId: string,
  purpose: 'my-accesses' | 'lineage',
  challengeHex: string,
): Uint8Array {
  return utf8(`govchain/sharing-auth/v1\n${chainId}\n${purpose}\n${challengeHex}`)
}

/** What the identity authority signs to bind a DID to its holder's pseudonym (off chain). */
export function subjectCredentialMessage(did: string, subjectHex: string): Uint8Array {
  return utf8(`govchain/subject-credential/v1\n${did}\n${subjectHex}`)
}

/**
 * An officer's request to its own gateway (the gateway's local API, POST /v1/local/fetch): what
 * to fetch under which grant, and the officer's signature over gatewayLocalMessage of it.
 */
export interface GatewayLocalFetch {
  grantId: string
  fields: string[]
  filter: { field: string; values: string[] } | null
  timeMs: number
  /** 16 random bytes, hex. */
  nonce: string
  publicKey: string
  signature: string
}

/** What an officer signs to ask its own gateway to fetch (the gateway's local API). */
export function gatewayLocalMessage(
  grantIdHex: string,
  fields: readonly string[],
  filter: { field: string; values: readonly string[] } | null,
  timeMs: number,
  nonceHex: string,
): Uint8Array {
  return utf8(`govchain/gateway-local/v1\n${JSON.stringify([grantIdHex, fields, filter, timeMs, nonceHex])}`)
}

/** Refusal codes a gateway may record (anything else is rejected as SHARING_BAD_REQUEST). */
export const REFUSAL_CODES = [
  'SHARING_NO_GRANT',
  'SHARING_GRANT_NOT_ACTIVE',
  'SHARING_GRANT_EXPIRED',
  'SHARING_GRANT_REVOKED',
  'SHARING_FIELD_NOT_GRANTED',
  'SHARING_VOLUME_EXCEEDED',
  'SHARING_SCOPE_REQUIRED',
  'GATEWAY_BAD_SIGNATURE',
  'GATEWAY_REPLAY',
  'GATEWAY_STALE_REQUEST',
  'GATEWAY_CERT_MISMATCH',
  'GATEWAY_UNKNOWN_CONSUMER',
  'GATEWAY_BAD_REQUEST',
  'CATALOG_NOT_FOUND',
  'SHARING_CASE_MISMATCH',
  'SHARING_CASE_CLOSED',
] as const
