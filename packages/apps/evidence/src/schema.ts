/**
 * The `evidence` module's wire types, state keys and error codes, shared by the node and by
 * clients (browser-safe). E-evidence (电子存证, docs/evidence.md): an item binds a content hash to
 * a real-name submitter and a block time; items form version chains that cannot fork or be
 * reordered; a batch anchors the RFC 9162 Merkle root of up to 10,000 documents. The content
 * never goes on chain.
 */
import { moduleRef } from '@govchain/app/ref'
import { codec, type ErrorInfo, hash32, registerErrors, toHex, utf8 } from '@govchain/core'
import type { EvidenceKeeper } from './module.ts'

const { bytes, literals, option, string, struct, u32, u64, vec } = codec

export const EVIDENCE_MODULE = 'evidence'
export const EVIDENCE_METHODS = { submit: 'submit', batch: 'batch', timestamp: 'timestamp', attest: 'attest' } as const

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(evidenceRef)`. */
export const evidenceRef = moduleRef<EvidenceKeeper>()(EVIDENCE_MODULE)

/** What an item is (the SPC's categories of electronic data, and the administrative ones). */
export const EVIDENCE_KINDS = [
  'contract',
  'enforcement-record',
  'screenshot',
  'audio-video',
  'penalty-file',
  'document',
  'other',
] as const

export const EVIDENCE_LIMITS = {
  caseRefBytes: 64,
  /** Documents one batch anchors at most (issue 17). */
  batchDocsMax: 10_000,
  /** An RFC 3161 time-stamp token with its certificate is 1-4 KiB. */
  tokenBytesMax: 8192,
  /** Attestations one item carries at most (one per organisation). */
  attestationsPerItem: 16,
} as const

/**
 * What an attestation states, and the organisation role it needs (governance
 * setOrganisationRoles): a notarial certificate of the content (公证), a forensic examination
 * report on it (司法鉴定), a court's acceptance of it as evidence.
 */
export const ATTESTATION_STATEMENTS = ['notarised', 'forensic-examined', 'court-accepted'] as const
export type AttestationStatement = (typeof ATTESTATION_STATEMENTS)[number]
export const STATEMENT_ROLE = {
  notarised: 'notary',
  'forensic-examined': 'forensic',
  'court-accepted': 'court',
} as const satisfies Record<AttestationStatement, string>

/** A case reference: an opaque docket or file number of the submitting body (no personal data). */
export const CASE_REF_PATTERN = /^[A-Za-z0-9\u4e00-\u9fff（）()〔〕[\]第号字._/-]{1,64}$/u

export const EVIDENCE_ERRORS = {
  EVIDENCE_SUBMITTER_UNVERIFIED: {
    http: 403,
    message: 'submitters are officers, or DIDs whose controller an organisation verified (real-name)',
  },
  EVIDENCE_BAD_CASE_REF: { http: 400, message: 'case reference: 1-64 characters of a docket number, no personal data' },
  EVIDENCE_EXISTS: { http: 409, message: 'this content hash is recorded already by this submitter' },
  EVIDENCE_NOT_FOUND: { http: 404, message: 'no evidence item or batch with this id' },
  EVIDENCE_VERSION_NOT_FOUND: { http: 404, message: 'the previous version named does not exist' },
  EVIDENCE_VERSION_FORK: {
    http: 409,
    message: 'a new version must follow the latest version of its chain: the chain cannot fork or be reordered',
  },
  EVIDENCE_VERSION_NOT_OWNER: {
    http: 403,
    message: 'a new version comes from the submitter of the chain (its organisation, or its DID)',
  },
  EVIDENCE_BAD_BATCH: { http: 400, message: 'a batch anchors 1-10,000 documents' },
  EVIDENCE_CERTIFICATE_MALFORMED: { http: 400, message: 'not an evidence certificate (JSON v1) or GCE1 QR payload' },
  EVIDENCE_CERTIFICATE_WRONG_CHAIN: { http: 409, message: 'the certificate was issued on another chain' },
  EVIDENCE_CERTIFICATE_ALTERED: {
    http: 409,
    message: "the certificate's printed fields differ from the record its proof shows",
  },
  EVIDENCE_CONTENT_MISMATCH: { http: 409, message: 'the file is not the content the certificate records' },
  EVIDENCE_ATTESTER_ROLE: {
    http: 403,
    message:
      "an attestation comes from an officer of an organisation governance registered in the statement's role (notary, forensic, court)",
  },
  EVIDENCE_ATTESTATION_EXISTS: { http: 409, message: 'this organisation attested this item already' },
  EVIDENCE_TOO_MANY_ATTESTATIONS: { http: 409, message: 'the item carries the most attestations it can (16)' },
  EVIDENCE_NOT_SUBMITTER: {
    http: 403,
    message: 'only the submitter of an item (its organisation, or its DID) may do this',
  },
  EVIDENCE_TIMESTAMP_EXISTS: { http: 409, message: 'this item carries a time-stamp token already' },
  EVIDENCE_TSA_BAD_TOKEN: {
    http: 400,
    message: 'the time-stamp token is malformed, altered, or its signature does not verify (RFC 3161, RFC 5652)',
  },
  EVIDENCE_TSA_UNREGISTERED: {
    http: 403,
    message: 'the time-stamp token is signed by no time-stamping authority the consortium registered (governance)',
  },
  EVIDENCE_TSA_IMPRINT_MISMATCH: {
    http: 409,
    message: "the time-stamp token is for other content: its imprint is not the item's digest under the chain's hash",
  },
  EVIDENCE_TSA_BAD_TIME: {
    http: 409,
    message:
      "the token's time is after the block's (beyond the allowed clock drift) or outside its certificate's validity",
  },
} as const satisfies Record<string, ErrorInfo>
registerErrors(EVIDENCE_MODULE, EVIDENCE_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof EVIDENCE_ERRORS, true> {}
}

export const EvidenceSubmitArgs = struct({
  kind: literals(EVIDENCE_KINDS),
  /** suite.hash of the content (the file itself stays with the submitter). */
  contentHash: hash32,
  caseRef: option(string(EVIDENCE_LIMITS.caseRefBytes)),
  /** The item this one is a new version of (its id); absent for the first version. */
  previous: option(hash32),
})
export type EvidenceSubmitArgs = codec.Infer<typeof EvidenceSubmitArgs>

export const EvidenceBatchArgs = struct({
  kind: literals(EVIDENCE_KINDS),
  /** RFC 9162 Merkle Tree Hash over the documents' content hashes (leaves), in order. */
  root: hash32,
  count: u32,
  caseRef: option(string(EVIDENCE_LIMITS.caseRefBytes)),
})
export type EvidenceBatchArgs = codec.Infer<typeof EvidenceBatchArgs>

/**
 * evidence.timestamp: attaches an RFC 3161 time-stamp token over the item's digest (or the
 * batch's root), from a TSA registered through governance. Sent by the item's submitter.
 */
export const EvidenceTimestampArgs = struct({ id: hash32, token: bytes(EVIDENCE_LIMITS.tokenBytesMax) })
export type EvidenceTimestampArgs = codec.Infer<typeof EvidenceTimestampArgs>

/**
 * evidence.attest: an officer of a notary, forensic or court organisation attests an item or
 * batch; `report` is the hash of its own document (notarial certificate, examination report),
 * which stays with it.
 */
export const EvidenceAttestArgs = struct({
  id: hash32,
  statement: literals(ATTESTATION_STATEMENTS),
  report: option(hash32),
})
export type EvidenceAttestArgs = codec.Infer<typeof EvidenceAttestArgs>

export const EvidenceAttestation = struct({
  orgId: string(64),
  officerId: string(64),
  role: string(16),
  statement: literals(ATTESTATION_STATEMENTS),
  report: option(hash32),
  height: u64,
  timeMs: u64,
  txHash: hash32,
})
export type EvidenceAttestation = codec.Infer<typeof EvidenceAttestation>
export const EvidenceAttestations = vec(EvidenceAttestation, EVIDENCE_LIMITS.attestationsPerItem)

/** A verified token, as recorded: what it says, and the token itself (anyone may check it again). */
export const EvidenceTimestamp = struct({
  authority: string(64),
  genTimeMs: u64,
  /** The TSA's serial number of the token, hex. */
  serial: string(64),
  policy: string(128),
  hashAlgorithm: literals(['sm3', 'sha256'] as const),
  token: bytes(EVIDENCE_LIMITS.tokenBytesMax),
  height: u64,
  timeMs: u64,
})
export type EvidenceTimestamp = codec.Infer<typeof EvidenceTimestamp>

/** Who submitted: an officer of an organisation, or a verified DID. */
export const EvidenceSubmitter = struct({
  kind: literals(['officer', 'did'] as const),
  /** orgId for an officer; the DID for a DID. */
  id: string(64),
  /** The organisation that verified the DID (for an officer: its organisation). */
  verifiedBy: string(64),
})
export type EvidenceSubmitter = codec.Infer<typeof EvidenceSubmitter>

export const EvidenceEntry = struct({
  id: hash32,
  type: literals(['item', 'batch'] as const),
  kind: literals(EVIDENCE_KINDS),
  /** item: the content hash; batch: the Merkle root. */
  digest: hash32,
  count: u32,
  caseRef: option(string(EVIDENCE_LIMITS.caseRefBytes)),
  submitter: EvidenceSubmitter,
  /** Version chain (items): the first version's id, this one's number, and the next once superseded. */
  chain: hash32,
  version: u32,
  previous: option(hash32),
  next: option(hash32),
  height: u64,
  timeMs: u64,
})
export type EvidenceEntry = codec.Infer<typeof EvidenceEntry>

export const EVIDENCE_KEYS = {
  record: (id: Uint8Array): Uint8Array => utf8(`rec/${toHex(id)}`),
  /** vec(EvidenceAttestation): the item's attestations in order. */
  attestations: (id: Uint8Array): Uint8Array => utf8(`att/${toHex(id)}`),
  /** The item's verified time-stamp token (one per item). */
  timestamp: (id: Uint8Array): Uint8Array => utf8(`ts/${toHex(id)}`),
  /** (submitter, content hash) → item id: the same content recorded twice by one submitter is refused. */
  byContent: (submitterId: string, contentHash: Uint8Array): Uint8Array =>
    utf8(`c/${submitterId}/${toHex(contentHash)}`),
} as const

/** Node-local index: items by content hash (for verification by hash). */
export const EVIDENCE_INDEX = {
  byDigest: (digest: Uint8Array): Uint8Array => utf8(`d/${toHex(digest)}/`),
} as const
