/**
 * The `license` module's wire types (electronic licences, 电子证照), shared by the node (which
 * executes them) and the SDK and CLI (which build, issue and verify them), so every side
 * encodes the same bytes. The API contract is docs/license-api.md; the design docs/license.md
 * and docs/adr/0007-licence-credentials.md.
 *
 * On chain: licence types (the catalogue and its trusted-issuer lists), licence records (id,
 * type, issuing organisation and officer key, holder DID, credential hash, status, validity,
 * version links), every transition's history, holder grants (用证授权) and recorded uses.
 * Nothing personal in clear: the personal fields only live in the holder's credential.
 */

import { moduleRef } from '@govchain/app/ref'
import {
  codec,
  concatBytes,
  type ErrorInfo,
  GovchainError,
  hash32,
  publicKey,
  registerErrors,
  utf8,
} from '@govchain/core'
import type { LicenseKeeper } from './module.ts'

const { bool, literals, option, string, struct, u8, u32, u64, vec } = codec

export const LICENSE_MODULE = 'license'

/** The license module's error codes, merged into the one catalogue (HTTP status and message). */
export const LICENSE_ERRORS = {
  LICENSE_TYPE_NOT_FOUND: { http: 404, message: 'no such licence type' },
  LICENSE_TYPE_EXISTS: { http: 409, message: 'a licence type with this code or alias already exists' },
  LICENSE_TYPE_INVALID: {
    http: 400,
    message: 'licence type definition is invalid (code, alias, fields, issuers or validity rule)',
  },
  LICENSE_TYPE_LIMIT: { http: 400, message: 'the licence type catalogue is full' },
  LICENSE_NOT_TYPE_OWNER: { http: 403, message: "only a registrar of the type's owner organisation may do this" },
  LICENSE_ISSUER_NOT_AUTHORISED: {
    http: 403,
    message: 'the organisation is not an authorised issuer of this licence type',
  },
  LICENSE_NOT_ISSUING_ORG: {
    http: 403,
    message: 'only an issuer officer of the issuing organisation may change this licence',
  },
  LICENSE_BAD_ID: {
    http: 400,
    message: 'licence identifier is malformed or does not match its type, issuer or version',
  },
  LICENSE_EXISTS: { http: 409, message: 'a licence with this identifier already exists' },
  LICENSE_NOT_FOUND: { http: 404, message: 'no such licence' },
  LICENSE_HOLDER_UNKNOWN: { http: 400, message: 'the holder DID is not registered or not active' },
  LICENSE_BAD_VALIDITY: {
    http: 400,
    message: 'validity period is empty, already over, or longer than the type allows',
  },
  LICENSE_BAD_REASON: { http: 400, message: 'reason must be 1-256 bytes of printable text' },
  LICENSE_BAD_TRANSITION: { http: 409, message: 'this status change is not allowed from the licence status' },
  LICENSE_NOT_RENEWABLE: { http: 409, message: 'this licence type is not renewable' },
  LICENSE_SUSPENDED: { http: 409, message: 'the licence is suspended' },
  LICENSE_REVOKED: { http: 409, message: 'the licence is revoked' },
  LICENSE_EXPIRED: { http: 409, message: 'the licence has expired (block time)' },
  LICENSE_SUPERSEDED: { http: 409, message: 'the licence was replaced by a newer version' },
  LICENSE_NOT_YET_VALID: { http: 409, message: 'the licence is not valid yet (block time)' },
  LICENSE_CREDENTIAL_MALFORMED: { http: 400, message: 'not a licence credential or QR payload' },
  LICENSE_CREDENTIAL_HASH_MISMATCH: { http: 400, message: 'the credential does not match the hash on chain' },
  LICENSE_SIGNATURE_INVALID: { http: 400, message: "the credential signature does not verify with the issuer's key" },
  LICENSE_CLAIMS_MISMATCH: { http: 400, message: 'the credential claims disagree with the on-chain record' },
  LICENSE_DISCLOSURE_INVALID: { http: 400, message: 'a disclosed field is not covered by the signed digests' },
  LICENSE_WRONG_CHAIN: { http: 400, message: 'the credential belongs to another chain' },
  LICENSE_NOT_HOLDER: { http: 403, message: 'only the licence holder may do this' },
  LICENSE_AUTH_INVALID: { http: 401, message: 'holder authentication failed (signature, key or time window)' },
  LICENSE_GRANT_NOT_FOUND: { http: 404, message: 'no such grant for this licence' },
  LICENSE_GRANT_INACTIVE: { http: 409, message: 'the grant is withdrawn or expired (block time)' },
  LICENSE_GRANT_INVALID: { http: 400, message: 'grant is invalid (service, purpose, grantee or end time)' },
  LICENSE_GRANT_LIMIT: { http: 400, message: 'this licence has reached its grant limit' },
  LICENSE_NOT_GRANTEE: { http: 403, message: 'only an officer of the grantee organisation may record a use' },
  LICENSE_PROOF_MISSING: { http: 400, message: 'offline verification needs proof material for the licence record' },
  LICENSE_PRESENTATION_MALFORMED: { http: 400, message: 'not a licence presentation (short QR URL and token)' },
  LICENSE_PRESENTATION_EXPIRED: {
    http: 400,
    message: 'the presentation token has expired: the holder must refresh the QR',
  },
  LICENSE_PRESENTATION_NOT_YET_VALID: {
    http: 400,
    message: "the presentation token is issued after the verifier's time",
  },
  LICENSE_PRESENTATION_BAD_SIGNATURE: {
    http: 400,
    message: "the presentation token does not verify with a current key of the holder's DID for this verifier",
  },
  LICENSE_PRESENTATION_HOLDER_MISMATCH: { http: 400, message: 'the presentation is not signed by the licence holder' },
  // Issuing checks the holder against the department's own register (holder-record.ts), off chain.
  LICENSE_HOLDER_ID_INVALID: {
    http: 400,
    message: 'not a valid unified social credit code or identity number (check character)',
  },
  LICENSE_HOLDER_NOT_FOUND: { http: 404, message: "no holder with this identifier in the department's register" },
  LICENSE_HOLDER_RECORD_INVALID: { http: 500, message: "the department's register holds a malformed holder record" },
  LICENSE_HOLDER_MISMATCH: {
    http: 409,
    message: "the licence's holder or fields differ from the department's record of the holder",
  },
} as const satisfies Record<string, ErrorInfo>
registerErrors(LICENSE_MODULE, LICENSE_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof LICENSE_ERRORS, true> {}
}

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(licenseRef)`. */
export const licenseRef = moduleRef<LicenseKeeper>()(LICENSE_MODULE)
export const LICENSE_METHODS = {
  defineType: 'defineType',
  setIssuer: 'setIssuer',
  issue: 'issue',
  suspend: 'suspend',
  reinstate: 'reinstate',
  revoke: 'revoke',
  renew: 'renew',
  amend: 'amend',
  grantUse: 'grantUse',
  withdrawGrant: 'withdrawGrant',
  recordUse: 'recordUse',
} as const

export const LICENSE_LIMITS = {
  /** Licence type code: an organisation's USCC (18) + a 3-digit sequence, or any 1-32 of [0-9A-Z]. */
  typeCodeBytes: 32,
  aliasBytes: 32,
  nameBytes: 128,
  fieldNameBytes: 48,
  labelBytes: 96,
  fieldsPerType: 32,
  issuersPerType: 64,
  /** Types in the catalogue (the list is one state value). */
  types: 256,
  orgIdBytes: 64,
  regionCodeBytes: 12,
  regionBytes: 96,
  idBytes: 128,
  didBytes: 128,
  reasonBytes: 256,
  serviceBytes: 64,
  purposeBytes: 128,
  maxValidityYears: 100,
} as const

export const HOLDER_KINDS = ['enterprise', 'person'] as const
export type HolderKind = (typeof HOLDER_KINDS)[number]

/** Stored status; `expired` and `not_yet_valid` are computed from block time (effectiveStatus). */
export const LICENSE_STATUSES = ['active', 'suspended', 'revoked', 'superseded'] as const
export type LicenseStatus = (typeof LICENSE_STATUSES)[number]
export type EffectiveStatus = LicenseStatus | 'expired' | 'not_yet_valid'

export const REVOKE_REASONS = [
  'holder_request',
  'issued_in_error',
  'fraud',
  'entity_dissolved',
  'authority_decision',
  'other',
] as const
export type RevokeReason = (typeof REVOKE_REASONS)[number]

export const HISTORY_ACTIONS = ['issue', 'suspend', 'reinstate', 'revoke', 'renew', 'amend', 'superseded'] as const
export type HistoryAction = (typeof HISTORY_ACTIONS)[number]

const typeCode = string(LICENSE_LIMITS.typeCodeBytes)
const orgId = string(LICENSE_LIMITS.orgIdBytes)
const licenseIdCodec = string(LICENSE_LIMITS.idBytes)
const did = string(LICENSE_LIMITS.didBytes)
const reason = string(LICENSE_LIMITS.reasonBytes)

export const LicenseField = struct({
  /** Claim name in the credential (camelCase ASCII). */
  name: string(LICENSE_LIMITS.fieldNameBytes),
  label: string(LICENSE_LIMITS.labelBytes),
  labelEn: string(LICENSE_LIMITS.labelBytes),
  /** Personal data (个人信息): only ever in the credential, selectively disclosed. */
  personal: bool,
  required: bool,
})
export type LicenseField = codec.Infer<typeof LicenseField>

// ---------------------------------------------------------------- transaction arguments

export const DefineTypeArgs = struct({
  code: typeCode,
  alias: string(LICENSE_LIMITS.aliasBytes),
  name: string(LICENSE_LIMITS.nameBytes),
  nameEn: string(LICENSE_LIMITS.nameBytes),
  holderKind: literals(HOLDER_KINDS),
  fields: vec(LicenseField, LICENSE_LIMITS.fieldsPerType),
  issuers: vec(orgId, LICENSE_LIMITS.issuersPerType),
  /** 0 = no fixed term (长期有效). */
  maxValidityYears: u8,
  renewable: bool,
  /** GB/T 2260 administrative division code where the type applies, e.g. 110000. */
  regionCode: string(LICENSE_LIMITS.regionCodeBytes),
  region: string(LICENSE_LIMITS.regionBytes),
})
export type DefineTypeArgs = codec.Infer<typeof DefineTypeArgs>

export const SetIssuerArgs = struct({ typeCode, orgId, authorised: bool })
export type SetIssuerArgs = codec.Infer<typeof SetIssuerArgs>

export const IssueArgs = struct({
  id: licenseIdCodec,
  typeCode,
  holder: did,
  /** suite.hash(utf8(issuer-signed JWT)): a commitment to the credential, salted by its disclosures. */
  credentialHash: hash32,
  validFromMs: u64,
  /** 0 = no expiry. */
  validUntilMs: u64,
})
export type IssueArgs = codec.Infer<typeof IssueArgs>

export const StatusChangeArgs = struct({ id: licenseIdCodec, reason })
export type StatusChangeArgs = codec.Infer<typeof StatusChangeArgs>

export const RevokeArgs = struct({ id: licenseIdCodec, reasonCode: literals(REVOKE_REASONS), reason })
export type RevokeArgs = codec.Infer<typeof RevokeArgs>

export const RenewArgs = struct({
  id: licenseIdCodec,
  newId: licenseIdCodec,
  credentialHash: hash32,
  validFromMs: u64,
  validUntilMs: u64,
})
export type RenewArgs = codec.Infer<typeof RenewArgs>

export const AmendArgs = struct({ id: licenseIdCodec, newId: licenseIdCodec, credentialHash: hash32, reason })
export type AmendArgs = codec.Infer<typeof AmendArgs>

export const GrantUseArgs = struct({
  licenseId: licenseIdCodec,
  /** Organisation (department) allowed to use the licence. */
  grantee: orgId,
  /** Service code (事项编码 or a short identifier), e.g. bank-account-opening. */
  service: string(LICENSE_LIMITS.serviceBytes),
  purpose: string(LICENSE_LIMITS.purposeBytes),
  untilMs: u64,
})
export type GrantUseArgs = codec.Infer<typeof GrantUseArgs>

export const WithdrawGrantArgs = struct({ licenseId: licenseIdCodec, grantId: hash32 })
export type WithdrawGrantArgs = codec.Infer<typeof WithdrawGrantArgs>

export const RecordUseArgs = struct({ licenseId: licenseIdCodec, grantId: hash32 })
export type RecordUseArgs = codec.Infer<typeof RecordUseArgs>

// ---------------------------------------------------------------- stored records

export const LicenseTypeRecord = struct({
  code: typeCode,
  alias: string(LICENSE_LIMITS.aliasBytes),
  name: string(LICENSE_LIMITS.nameBytes),
  nameEn: string(LICENSE_LIMITS.nameBytes),
  ownerOrg: orgId,
  holderKind: literals(HOLDER_KINDS),
  fields: vec(LicenseField, LICENSE_LIMITS.fieldsPerType),
  issuers: vec(orgId, LICENSE_LIMITS.issuersPerType),
  maxValidityYears: u8,
  renewable: bool,
  regionCode: string(LICENSE_LIMITS.regionCodeBytes),
  region: string(LICENSE_LIMITS.regionBytes),
  status: literals(['active', 'retired'] as const),
  definedHeight: u64,
  updatedHeight: u64,
})
export type LicenseTypeRecord = codec.Infer<typeof LicenseTypeRecord>

/** The catalogue's list of type codes, in definition order (one value: types are few). */
export const TypeList = vec(typeCode, LICENSE_LIMITS.types)

export const LicenseRecord = struct({
  id: licenseIdCodec,
  typeCode,
  issuerOrg: orgId,
  /** The issuing officer's key: it signed the issue transaction and the credential. */
  issuerKey: publicKey,
  officerId: string(LICENSE_LIMITS.orgIdBytes),
  holder: did,
  credentialHash: hash32,
  status: literals(LICENSE_STATUSES),
  validFromMs: u64,
  validUntilMs: u64,
  version: u32,
  previous: option(licenseIdCodec),
  next: option(licenseIdCodec),
  issuedHeight: u64,
  issuedTimeMs: u64,
  issuedTxHash: hash32,
  updatedHeight: u64,
  updatedTimeMs: u64,
  historyCount: u32,
  reasonCode: option(string(32)),
  reason: option(reason),
})
export type LicenseRecord = codec.Infer<typeof LicenseRecord>

export const HistoryEntry = struct({
  action: literals(HISTORY_ACTIONS),
  actorKey: publicKey,
  actorOrg: orgId,
  officerId: string(LICENSE_LIMITS.orgIdBytes),
  height: u64,
  timeMs: u64,
  txHash: hash32,
  reasonCode: option(string(32)),
  reason: option(reason),
  relatedId: option(licenseIdCodec),
})
export type HistoryEntry = codec.Infer<typeof HistoryEntry>

export const GrantRecord = struct({
  grantId: hash32,
  licenseId: licenseIdCodec,
  holder: did,
  grantee: orgId,
  service: string(LICENSE_LIMITS.serviceBytes),
  purpose: string(LICENSE_LIMITS.purposeBytes),
  untilMs: u64,
  status: literals(['active', 'withdrawn'] as const),
  createdHeight: u64,
  createdTimeMs: u64,
  uses: u32,
})
export type GrantRecord = codec.Infer<typeof GrantRecord>

export const UseRecord = struct({
  grantId: hash32,
  licenseId: licenseIdCodec,
  org: orgId,
  officerKey: publicKey,
  officerId: string(LICENSE_LIMITS.orgIdBytes),
  service: string(LICENSE_LIMITS.serviceBytes),
  height: u64,
  timeMs: u64,
  txHash: hash32,
})
export type UseRecord = codec.Infer<typeof UseRecord>

/** Per-licence counters of grants and uses (so the API can read them back without a scan). */
export const LicenseGrantIndex = struct({ grants: vec(hash32, 1024), uses: u32 })
export type LicenseGrantIndex = codec.Infer<typeof LicenseGrantIndex>

// ---------------------------------------------------------------- state keys (module-local)

function be32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, false)
  return b
}

export const LICENSE_KEYS = {
  typeList: (): Uint8Array => utf8('types'),
  type: (code: string): Uint8Array => utf8(`type/${code}`),
  alias: (alias: string): Uint8Array => utf8(`alias/${alias}`),
  license: (id: string): Uint8Array => utf8(`lic/${id}`),
  history: (id: string, seq: number): Uint8Array => concatBytes(utf8(`hist/${id}/`), be32(seq)),
  grants: (licenseId: string): Uint8Array => utf8(`grants/${licenseId}`),
  grant: (grantId: Uint8Array): Uint8Array => concatBytes(utf8('grant/'), grantId),
  use: (licenseId: string, seq: number): Uint8Array => concatBytes(utf8(`use/${licenseId}/`), be32(seq)),
} as const

/** Node-local index prefixes (not consensus state): listing by holder, issuer and type. */
export const LICENSE_INDEX = {
  byHolder: (holder: string, id = ''): Uint8Array => utf8(`by-holder/${holder}\0${id}`),
  byIssuer: (org: string, id = ''): Uint8Array => utf8(`by-issuer/${org}\0${id}`),
  byType: (code: string, id = ''): Uint8Array => utf8(`by-type/${code}\0${id}`),
  grantsByHolder: (holder: string, grantIdHex = ''): Uint8Array => utf8(`grants-by-holder/${holder}\0${grantIdHex}`),
} as const

// ---------------------------------------------------------------- licence identifier (GB/T 36904 style)

/** Root of the national e-licence identifier space as used by GB/T 36904-style identifiers. */
export const LICENSE_ID_ROOT = '1.2.156.3005.2'
const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const ID_PATTERN = /^1\.2\.156\.3005\.2\.([0-9A-Z]{1,32})\.([0-9A-Z]{18})\.([0-9]{10})\.([0-9]{3})\.([0-9A-Z])$/

/** ISO/IEC 7064 MOD 37,36 (hybrid system, alphanumeric): the check character of `s` ([0-9A-Z]). */
export function mod3736Check(s: string): string {
  let p = 36
  for (const ch of s) {
    const v = ID_CHARS.indexOf(ch)
    if (v < 0) throw new GovchainError('INVALID_ARGUMENT', `character ${JSON.stringify(ch)} is not [0-9A-Z]`)
    let t = (p + v) % 36
    if (t === 0) t = 36
    p = (t * 2) % 37
  }
  const c = (37 - p) % 36
  return ID_CHARS[c]!
}

export interface LicenseIdParts {
  typeCode: string
  /** Unified social credit code of the issuing organisation. */
  issuerCode: string
  /** 10 digits, chosen by the issuer (random), unique with type and issuer. */
  serial: string
  version: number
}

/** Builds the identifier `1.2.156.3005.2.<type>.<issuer USCC>.<serial>.<version>.<check>`. */
export function licenseId(parts: LicenseIdParts): string {
  if (!/^[0-9A-Z]{1,32}$/.test(parts.typeCode))
    throw new GovchainError('INVALID_ARGUMENT', 'typeCode: 1-32 of [0-9A-Z]')
  if (!/^[0-9A-Z]{18}$/.test(parts.issuerCode))
    throw new GovchainError('INVALID_ARGUMENT', 'issuerCode: 18 of [0-9A-Z]')
  if (!/^[0-9]{10}$/.test(parts.serial)) throw new GovchainError('INVALID_ARGUMENT', 'serial: 10 digits')
  if (!Number.isInteger(parts.version) || parts.version < 1 || parts.version > 999) {
    throw new GovchainError('INVALID_ARGUMENT', 'version: 1..999')
  }
  const version = String(parts.version).padStart(3, '0')
  const body = `${parts.typeCode}${parts.issuerCode}${parts.serial}${version}`
  return `${LICENSE_ID_ROOT}.${parts.typeCode}.${parts.issuerCode}.${parts.serial}.${version}.${mod3736Check(body)}`
}

/** Parses and checks an identifier (format and check character); undefined when it is not one. */
export function parseLicenseId(id: string): LicenseIdParts | undefined {
  if (typeof id !== 'string') return undefined
  const m = ID_PATTERN.exec(id)
  if (m === null) return undefined
  const [, type, issuer, serial, version, check] = m as unknown as [string, string, string, string, string, string]
  if (mod3736Check(`${type}${issuer}${serial}${version}`) !== check) return undefined
  return { typeCode: type, issuerCode: issuer, serial, version: Number(version) }
}

/** The same licence's identifier at another version (renewals and amendments). */
export function licenseIdWithVersion(id: string, version: number): string {
  const p = parseLicenseId(id)
  if (p === undefined) throw new GovchainError('INVALID_ARGUMENT', 'not a licence identifier')
  return licenseId({ ...p, version })
}

/**
 * The status a record has at block time `timeMs`: the stored status, except that an active
 * licence is `expired` from validUntilMs on (0 = never) and `not_yet_valid` before validFromMs.
 */
export function effectiveStatus(
  record: Pick<LicenseRecord, 'status' | 'validFromMs' | 'validUntilMs'>,
  timeMs: number,
): EffectiveStatus {
  if (record.status !== 'active') return record.status
  if (record.validUntilMs !== 0 && timeMs >= record.validUntilMs) return 'expired'
  if (timeMs < record.validFromMs) return 'not_yet_valid'
  return 'active'
}

/** Adds whole calendar years to a UTC time (deterministic: pure arithmetic, no clock). */
export function addYearsUtc(timeMs: number, years: number): number {
  const d = new Date(timeMs)
  d.setUTCFullYear(d.getUTCFullYear() + years)
  return d.getTime()
}

// ---------------------------------------------------------------- holder-authenticated queries

/** How far a holder's signed query time may be from the node's clock. */
export const HOLDER_QUERY_SKEW_MS = 5 * 60 * 1000
export const HOLDER_QUERY_DOMAIN = 'govchain/license-query/v1\0'

/**
 * The bytes a holder signs to read their licence's uses or grants (no transaction):
 * utf8(domain || chainId \n path \n did \n timeMs). `path` is the request path without query.
 */
export function holderQueryMessage(input: { chainId: string; path: string; did: string; timeMs: number }): Uint8Array {
  return utf8(`${HOLDER_QUERY_DOMAIN}${input.chainId}\n${input.path}\n${input.did}\n${input.timeMs}`)
}
