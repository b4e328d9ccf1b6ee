/**
 * The `service` module's wire types, state keys and error codes (一网通办, the one-network
 * service hall; docs/service.md), shared by the node and by clients (browser-safe: it imports
 * only core and the module reference).
 *
 * A department publishes service items (事项): what an applicant must present (license types),
 * what the department pulls from other departments (catalogue resources and fields), the
 * statutory time limit and, for a "one thing" (一件事), the items of other departments it bundles.
 * A citizen or enterprise applies once, signing one consent that lists exactly those pulls and
 * licenses; the case (办件) opens a grant per pull that serves only the applicant's rows, while
 * the case is open, and runs submitted → accepted | returned → approved | rejected → completed.
 */
import { moduleRef } from '@govchain/app/ref'
import { codec, type ErrorInfo, hash32, publicKey, registerErrors, signature64, utf8 } from '@govchain/core'
import type { ServiceKeeper } from './module.ts'

const { bool, literals, option, string, struct, u32, u64, vec } = codec

export const SERVICE_MODULE = 'service'
export const SERVICE_METHODS = {
  publish: 'publish',
  withdraw: 'withdraw',
  apply: 'apply',
  accept: 'accept',
  sendBack: 'sendBack',
  resubmit: 'resubmit',
  decide: 'decide',
  complete: 'complete',
  approveAndComplete: 'approveAndComplete',
} as const

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(serviceRef)`. */
export const serviceRef = moduleRef<ServiceKeeper>()(SERVICE_MODULE)

export const SERVICE_LIMITS = {
  codeBytes: 48,
  titleBytes: 128,
  legalBasisBytes: 512,
  purposeBytes: 128,
  noteBytes: 256,
  orgIdBytes: 64,
  resourceIdBytes: 64,
  fieldBytes: 64,
  fieldsPerPull: 32,
  pullsPerItem: 8,
  licensesPerItem: 8,
  partsPerItem: 8,
  licenseIdBytes: 64,
  typeCodeBytes: 32,
  didBytes: 64,
  /** Statutory time limit: 1-365 working days. */
  slaDaysMax: 365,
  /** Rows one pull of a case may return in all (the applicant's own records). */
  rowsPerPull: 50,
} as const

/**
 * 事项编码: the national basic catalogue's code, upper-case letters, digits and hyphens (e.g.
 * 11110000000013338W3000117000000 or a local code such as SZ-GZF-001).
 */
export const SERVICE_ITEM_CODE = /^[0-9A-Z][0-9A-Z-]{2,47}$/

/** Public text on chain: printable, trimmed, no long digit runs (identity or phone numbers). */
export const SERVICE_TEXT_FORBIDDEN = /\p{Cc}|[\u202a-\u202e\u2066-\u2069]|[0-9]{6,}/u

export const CASE_STATUSES = ['submitted', 'accepted', 'returned', 'approved', 'rejected', 'completed'] as const
export type CaseStatus = (typeof CASE_STATUSES)[number]
/** Statuses after which the consent ends: the case's grants are revoked in the same transaction. */
export const CLOSED_STATUSES: ReadonlySet<CaseStatus> = new Set(['rejected', 'completed'])

export const CASE_ACTIONS = [
  'apply',
  'accept',
  'send-back',
  'resubmit',
  'approve',
  'reject',
  'complete',
  'parts-completed',
] as const
/** Reason codes an officer may give with a step (no free text with personal data on chain). */
export const CASE_REASONS = [
  'materials-complete',
  'materials-missing',
  'not-eligible',
  'eligible',
  'duplicate-application',
  'withdrawn-by-applicant',
  'result-delivered',
  'other',
] as const

/** The module's error codes, merged into the one catalogue (HTTP status and message). */
export const SERVICE_ERRORS = {
  SERVICE_BAD_ITEM: { http: 400, message: 'service item is invalid' },
  SERVICE_ITEM_NOT_FOUND: { http: 404, message: 'no service item with this code (and version)' },
  SERVICE_ITEM_WITHDRAWN: { http: 409, message: 'the service item is withdrawn: it takes no applications' },
  SERVICE_NOT_ITEM_OWNER: { http: 403, message: 'only an admin of the item’s department publishes or withdraws it' },
  SERVICE_CONSENT_MISMATCH: {
    http: 400,
    message: 'the consent must list exactly the item’s data pulls and licenses, with their sources and purposes',
  },
  SERVICE_NOT_APPLICANT: { http: 403, message: 'the sender is not a current key of the applicant’s DID' },
  SERVICE_BAD_SUBJECT: {
    http: 403,
    message: 'the subject credential is not an identity authority’s binding of this DID',
  },
  SERVICE_LICENSE_INVALID: {
    http: 409,
    message: 'a presented license is not the applicant’s, not of the required type, or not active',
  },
  SERVICE_CASE_NOT_FOUND: { http: 404, message: 'no service case with this id' },
  SERVICE_BAD_TRANSITION: { http: 409, message: 'the case is not in a state that allows this step' },
  SERVICE_NOT_HANDLING_ORG: {
    http: 403,
    message: 'only an approver of the department handling the case takes its steps',
  },
  SERVICE_NOT_CASE_OFFICER: {
    http: 403,
    message: 'only the officer who accepted the case decides it (pulled data is for that officer only)',
  },
  SERVICE_RESULT_MISMATCH: {
    http: 400,
    message: 'the license issued with a decision must be the item’s license type, for the applicant',
  },
  SERVICE_AUTH_FAILED: {
    http: 401,
    message: 'unknown, expired or used challenge, bad signature, or the key is not a current key of the DID',
  },
  SERVICE_BUNDLE_PART: { http: 409, message: 'the case is a one-thing bundle: its parts are handled, not the bundle' },
} as const satisfies Record<string, ErrorInfo>
registerErrors(SERVICE_MODULE, SERVICE_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof SERVICE_ERRORS, true> {}
}

const orgId = string(SERVICE_LIMITS.orgIdBytes)
const itemCode = string(SERVICE_LIMITS.codeBytes)
const typeCode = string(SERVICE_LIMITS.typeCodeBytes)
const did = string(SERVICE_LIMITS.didBytes)

/** One data pull of an item: the source department's catalogue resource and fields, and why. */
export const ServicePull = struct({
  providerOrg: orgId,
  resourceId: string(SERVICE_LIMITS.resourceIdBytes),
  fields: vec(string(SERVICE_LIMITS.fieldBytes), SERVICE_LIMITS.fieldsPerPull),
  purpose: string(SERVICE_LIMITS.purposeBytes),
})
export type ServicePull = codec.Infer<typeof ServicePull>

/** A license type the applicant presents instead of paper (e.g. 营业执照), and who issues it. */
export const ServiceLicenseNeed = struct({ typeCode, purpose: string(SERVICE_LIMITS.purposeBytes) })
export type ServiceLicenseNeed = codec.Infer<typeof ServiceLicenseNeed>

/** `publish`: a new item, or the next version of one (same code, same department). */
export const ServicePublishArgs = struct({
  code: itemCode,
  title: string(SERVICE_LIMITS.titleBytes),
  titleEn: string(SERVICE_LIMITS.titleBytes),
  legalBasis: string(SERVICE_LIMITS.legalBasisBytes),
  licenses: vec(ServiceLicenseNeed, SERVICE_LIMITS.licensesPerItem),
  pulls: vec(ServicePull, SERVICE_LIMITS.pullsPerItem),
  /** 法定时限: working days from acceptance to decision. */
  slaDays: u32,
  /** The license type a positive decision issues (e.g. 出生医学证明), if any. */
  resultType: option(typeCode),
  /** 一件事一次办: the items (of other departments) this one bundles; then no pulls or licenses of its own. */
  parts: vec(itemCode, SERVICE_LIMITS.partsPerItem),
})
export type ServicePublishArgs = codec.Infer<typeof ServicePublishArgs>

export const ServiceItemRecord = struct({
  code: itemCode,
  version: u32,
  ownerOrg: orgId,
  title: string(SERVICE_LIMITS.titleBytes),
  titleEn: string(SERVICE_LIMITS.titleBytes),
  legalBasis: string(SERVICE_LIMITS.legalBasisBytes),
  licenses: vec(ServiceLicenseNeed, SERVICE_LIMITS.licensesPerItem),
  pulls: vec(ServicePull, SERVICE_LIMITS.pullsPerItem),
  slaDays: u32,
  resultType: option(typeCode),
  parts: vec(itemCode, SERVICE_LIMITS.partsPerItem),
  status: literals(['active', 'withdrawn'] as const),
  height: u64,
  timeMs: u64,
})
export type ServiceItemRecord = codec.Infer<typeof ServiceItemRecord>

export const ServiceWithdrawArgs = struct({ code: itemCode })
export type ServiceWithdrawArgs = codec.Infer<typeof ServiceWithdrawArgs>

/** One consented pull, as the applicant signs it: the item's pull with its department and purpose. */
export const ConsentPull = struct({
  itemCode,
  providerOrg: orgId,
  resourceId: string(SERVICE_LIMITS.resourceIdBytes),
  fields: vec(string(SERVICE_LIMITS.fieldBytes), SERVICE_LIMITS.fieldsPerPull),
  purpose: string(SERVICE_LIMITS.purposeBytes),
})
export type ConsentPull = codec.Infer<typeof ConsentPull>

/** One presented license: the item's need, and the applicant's license that meets it. */
export const ConsentLicense = struct({
  itemCode,
  typeCode,
  licenseId: string(SERVICE_LIMITS.licenseIdBytes),
  purpose: string(SERVICE_LIMITS.purposeBytes),
})
export type ConsentLicense = codec.Infer<typeof ConsentLicense>

/**
 * `apply`, signed by a current key of the applicant's DID. The consent lists exactly the item's
 * pulls and licenses (a bundle's: each part's, in part order). The subject credential is the
 * identity authority's signature binding the DID to the applicant's keyed pseudonym, the one
 * value the providers' gateways select rows by (never an identity number).
 */
export const ServiceApplyArgs = struct({
  itemCode,
  itemVersion: u32,
  applicant: did,
  subject: hash32,
  subjectIssuer: orgId,
  subjectSignature: signature64,
  pulls: vec(ConsentPull, SERVICE_LIMITS.pullsPerItem * SERVICE_LIMITS.partsPerItem),
  licenses: vec(ConsentLicense, SERVICE_LIMITS.licensesPerItem * SERVICE_LIMITS.partsPerItem),
})
export type ServiceApplyArgs = codec.Infer<typeof ServiceApplyArgs>

export const ServiceStepArgs = struct({
  caseId: hash32,
  reasonCode: literals(CASE_REASONS),
})
export type ServiceStepArgs = codec.Infer<typeof ServiceStepArgs>

/** The license a positive decision issues, as license.issue takes it (see @govchain/license). */
export const ServiceResultLicense = struct({
  id: string(SERVICE_LIMITS.licenseIdBytes),
  typeCode,
  holder: did,
  credentialHash: hash32,
  validFromMs: u64,
  validUntilMs: u64,
})
export type ServiceResultLicense = codec.Infer<typeof ServiceResultLicense>

export const ServiceDecideArgs = struct({
  caseId: hash32,
  approve: bool,
  reasonCode: literals(CASE_REASONS),
  license: option(ServiceResultLicense),
})
export type ServiceDecideArgs = codec.Infer<typeof ServiceDecideArgs>

/**
 * 批准并办结: an approval whose result is the item's licence, issued on chain in the same
 * transaction and so delivered (电子送达): the case is approved and completed at once.
 */
export const ServiceApproveArgs = struct({
  caseId: hash32,
  reasonCode: literals(CASE_REASONS),
  license: ServiceResultLicense,
})
export type ServiceApproveArgs = codec.Infer<typeof ServiceApproveArgs>

export const CaseRecord = struct({
  caseId: hash32,
  itemCode,
  itemVersion: u32,
  handlingOrg: orgId,
  applicant: did,
  /** The applicant's keyed pseudonym (identity authority's HMAC): what the pulls select rows by. */
  subject: hash32,
  parent: option(hash32),
  parts: vec(hash32, SERVICE_LIMITS.partsPerItem),
  status: literals(CASE_STATUSES),
  /** The sharing grants this case's consent opened (one per pull), revoked when it closes. */
  grants: vec(hash32, SERVICE_LIMITS.pullsPerItem),
  licenses: vec(string(SERVICE_LIMITS.licenseIdBytes), SERVICE_LIMITS.licensesPerItem),
  /** The officer who accepted the case (the one who decides it and reads its pulled data). */
  officerId: option(string(64)),
  officerKey: option(publicKey),
  submittedHeight: u64,
  submittedMs: u64,
  acceptedMs: option(u64),
  /** Acceptance + the item's working days (block time, UTC+8 calendar; see workingDeadline). */
  deadlineMs: option(u64),
  closedMs: option(u64),
  /** Whether the decision came after the deadline (超期). */
  late: bool,
  result: option(string(SERVICE_LIMITS.licenseIdBytes)),
  historyCount: u32,
})
export type CaseRecord = codec.Infer<typeof CaseRecord>

export const CaseStep = struct({
  action: literals(CASE_ACTIONS),
  reasonCode: option(literals(CASE_REASONS)),
  actorKey: publicKey,
  officerId: option(string(64)),
  orgId: option(orgId),
  height: u64,
  timeMs: u64,
  txHash: hash32,
  late: bool,
})
export type CaseStep = codec.Infer<typeof CaseStep>

export const SERVICE_KEYS = {
  /** Latest version number of an item (u32 text). */
  itemHead: (code: string) => utf8(`item/${code}`),
  item: (code: string, version: number) => utf8(`itemv/${code}/${String(version).padStart(6, '0')}`),
  itemList: () => utf8('items'),
  case: (caseId: Uint8Array) => concatKey('case/', caseId),
  step: (caseId: Uint8Array, seq: number) => concatKey('step/', caseId, `/${String(seq).padStart(6, '0')}`),
}

export const ItemList = vec(itemCode, 10_000)

/** Node-local indexes (not consensus state): cases by applicant, by handling department, by item. */
export const SERVICE_INDEX = {
  byApplicant: (did: string) => utf8(`ia/${did}/`),
  byOrg: (orgId: string) => utf8(`io/${orgId}/`),
  byItem: (code: string) => utf8(`ii/${code}/`),
}

function concatKey(prefix: string, id: Uint8Array, suffix = ''): Uint8Array {
  const p = utf8(prefix)
  const s = utf8(suffix)
  const out = new Uint8Array(p.length + id.length + s.length)
  out.set(p)
  out.set(id, p.length)
  out.set(s, p.length + id.length)
  return out
}

/** China Standard Time, the calendar working days are counted in. */
const CST_OFFSET_MS = 8 * 3600_000
const DAY_MS = 86_400_000

/**
 * The deadline `days` working days after `fromMs`: the end (24:00 CST) of the days-th Monday-to-
 * Friday day after the day of `fromMs`. Deterministic (block time only). Public holidays and
 * adjusted working weekends (调休) are not modelled: a published holiday calendar through
 * governance would be their source (docs/service.md).
 */
export function workingDeadline(fromMs: number, days: number, calendar?: WorkingCalendar): number {
  let day = Math.floor((fromMs + CST_OFFSET_MS) / DAY_MS)
  let left = days
  while (left > 0) {
    day += 1
    const weekday = (day + 4) % 7 // 1970-01-01 was a Thursday (4); 0 = Sunday
    const kind = calendar?.(yyyymmdd(day))
    const working = kind === 'holiday' ? false : kind === 'workday' ? true : weekday !== 0 && weekday !== 6
    if (working) left -= 1
  }
  return (day + 1) * DAY_MS - CST_OFFSET_MS
}

/**
 * What the consortium's calendar says of a day (YYYYMMDD): a statutory holiday on a weekday, a
 * weekend day worked (调休), or nothing (then Monday-Friday work). From governance
 * setWorkCalendar; a year without one is plain Monday-Friday.
 */
export type WorkingCalendar = (day: number) => 'holiday' | 'workday' | undefined

/** The CST day number (days since 1970-01-01) as YYYYMMDD. */
function yyyymmdd(day: number): number {
  const d = new Date(day * DAY_MS)
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate()
}

/** The message an applicant signs to list their own cases (POST /v1/service/my-cases). */
export function myCasesMessage(chainId: string, did: string, challengeHex: string): Uint8Array {
  return utf8(`govchain/service-my-cases/v1\n${chainId}\n${did}\n${challengeHex}`)
}
