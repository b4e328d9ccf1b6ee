/**
 * JSON calls to the module routes of the node API (licences: docs/license-api.md, catalogue and
 * sharing: docs/sharing-api.md) and to the department's data gateway. Errors are the SDK's
 * ApiError / SdkError with the node's code, so the pages show them like every other error.
 * Answers are read as data to display; anything that decides a verdict is re-checked in the
 * browser with the light client.
 */
import { ApiError, HttpTransport } from '@govchain/client'

const REQUEST_TIMEOUT_MS = 15_000
const ANSWER_BYTES_MAX = 16 * 1024 * 1024

/** One transport per base URL (node API or the department's gateway): the SDK's, with its limits and error model. */
const transports = new Map<string, HttpTransport>()
function transportFor(base: string): HttpTransport {
  let t = transports.get(base)
  if (t === undefined) {
    t = new HttpTransport({ url: base, timeoutMs: REQUEST_TIMEOUT_MS, responseBytesMax: ANSWER_BYTES_MAX })
    if (transports.size >= 16) transports.clear()
    transports.set(base, t)
  }
  return t
}

export async function callJson<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  return (await transportFor(base).request(method, path, body)).json as T
}

export function qs(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s === '' ? '' : `?${s}`
}

/** True when a route is not served by this node (module not enabled yet). */
export function isMissingRoute(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && e.code === 'NOT_FOUND'
}

// ---------------------------------------------------------------- licences (docs/license-api.md)

export interface LicenseField {
  name: string
  label: string
  labelEn: string
  personal: boolean
  required: boolean
}

export interface LicenseType {
  code: string
  alias: string
  name: string
  nameEn: string
  ownerOrg: string
  holderKind: 'enterprise' | 'person'
  fields: LicenseField[]
  issuers: string[]
  maxValidityYears: number
  renewable: boolean
  region: string
  status: string
}

export interface License {
  id: string
  typeCode: string
  issuerOrg: string
  issuerKey: string
  officerId: string
  holder: string
  credentialHash: string
  status: string
  effectiveStatus: string
  validFromMs: number
  validUntilMs: number
  version: number
  previous: string | null
  next: string | null
  issuedHeight: number
  issuedTimeMs: number
  updatedHeight: number
  updatedTimeMs: number
  reasonCode: string | null
  reason: string | null
}

export interface LicenseHistoryEntry {
  seq: number
  action: string
  actorOrg: string
  officerId: string
  height: number
  timeMs: number
  txHash: string
  reasonCode: string | null
  reason: string | null
  relatedId: string | null
}

export interface ProofMaterial {
  module: string
  key: string
  value: string | null
  height: number
  proof: string
  headerBytes: string
  certificate: string
  validatorSet: string | null
}

export interface VerdictCheck {
  check: string
  ok: boolean
  code?: string
  message: string
  messageZh?: string
}

export interface Verdict {
  valid: boolean
  verdict: string
  reasons: string[]
  checks: VerdictCheck[]
  license: License | null
  type: LicenseType | null
  issuer: { orgId: string; name: string; nameEn: string } | null
  disclosed: { name: string; label: string; labelEn: string; value: unknown }[]
  atHeight: number
  atTimeMs: number
  proof: ProofMaterial | null
}

export interface LicenseGrant {
  grantId: string
  licenseId: string
  holder: string
  grantee: string
  service: string
  purpose: string
  untilMs: number
  status: string
  effectiveStatus: string
  createdHeight: number
  createdTimeMs: number
  uses: number
}

export interface LicenseUse {
  seq: number
  grantId: string
  licenseId: string
  org: string
  officerId: string
  service: string
  height: number
  timeMs: number
  txHash: string
}

export const licenseApi = {
  types: (base: string) => callJson<{ items: LicenseType[] }>(base, 'GET', '/v1/license-types'),
  get: (base: string, id: string, prove = false) =>
    callJson<{ license: License; type: LicenseType; proof: ProofMaterial | null }>(
      base,
      'GET',
      `/v1/licenses/${encodeURIComponent(id)}${prove ? '?prove=true' : ''}`,
    ),
  list: (base: string, filter: { holder?: string; issuer?: string; type?: string; status?: string; limit?: number }) =>
    callJson<{ items: License[]; next: string | null }>(base, 'GET', `/v1/licenses${qs(filter)}`),
  history: (base: string, id: string) =>
    callJson<{ id: string; items: LicenseHistoryEntry[] }>(
      base,
      'GET',
      `/v1/licenses/${encodeURIComponent(id)}/history`,
    ),
  verify: (base: string, input: { credential: string } | { qr: string }) =>
    callJson<Verdict>(base, 'POST', '/v1/licenses/verify', input),
  /** Holder-authenticated: `auth` from holderAuth() over the path `/v1/licenses/<id>/uses`. */
  uses: (base: string, id: string, auth: Record<string, string>) =>
    callJson<{ licenseId: string; grants: LicenseGrant[]; uses: LicenseUse[] }>(
      base,
      'GET',
      `/v1/licenses/${encodeURIComponent(id)}/uses${qs(auth)}`,
    ),
}

// ---------------------------------------------------------------- demo credential mailbox (servePortal)

export interface MailboxEntry {
  holder: string
  licenseId: string
  credential: string
  timeMs: number
}

/**
 * Every mailbox request is signed (holderAuth over the path, ±5 minutes): the holder reads its
 * own entries; an officer hands a credential over (path /demo/credentials/<holder>/<licenceId>)
 * and, for a renewal, reads back one its organisation issued.
 */
export const mailboxPaths = {
  list: '/demo/credentials',
  put: (holder: string, licenseId: string) => `/demo/credentials/${holder}/${licenseId}`,
  issued: (licenseId: string) => `/demo/credentials/issued/${encodeURIComponent(licenseId)}`,
}

export const mailbox = {
  list: (auth: Record<string, string>) =>
    callJson<{ items: MailboxEntry[] }>('', 'GET', `${mailboxPaths.list}${qs(auth)}`),
  issued: (licenseId: string, auth: Record<string, string>) =>
    callJson<{ items: MailboxEntry[] }>('', 'GET', `${mailboxPaths.issued(licenseId)}${qs(auth)}`),
  put: (entry: Omit<MailboxEntry, 'timeMs'>, auth: Record<string, string>) =>
    callJson<{ ok: true }>('', 'POST', mailboxPaths.list, { ...entry, auth }),
}

// ---------------------------------------------------------------- catalogue and sharing (docs/sharing-api.md)

export interface ResourceField {
  name: string
  label: string
  sensitivity: string
}

export interface ResourceVersion {
  resourceId: string
  version: number
  status: string
  title: string
  description: string
  ownerOrg: string
  rights: string[]
  fields: ResourceField[]
  shareType: string
  autoApprove: boolean
  updateFrequency: string
  dataHash: string
  dataVersion: string
  note: string
  height: number
  timeMs: number
  txHash: string
}

export interface SharingRequest {
  requestId: string
  resourceId: string
  resourceVersion: number
  consumerOrg: string
  ownerOrg: string
  fields: string[]
  purpose: string
  legalBasis: string
  durationMs: number
  rowsMax: number
  requestedBy: string
  height: number
  timeMs: number
  status: string
  state: string
  decision: { approve: boolean; by: string; reason: string; height: number; timeMs: number; auto: boolean } | null
  grant: { notBeforeMs: number; expiresMs: number; fields: string[]; rowsMax: number } | null
  revocation: { by: string; reason: string; height: number; timeMs: number } | null
  rowsUsed: number
  fetches: number
}

export interface Receipt {
  receiptId: string
  grantId: string
  resourceId: string
  resourceVersion: number
  consumerOrg: string
  providerOrg: string
  requestHash: string
  responseHash: string
  fields: string[]
  rows: number
  subjects: string[]
  servedAtMs: number
  consumerSignature: string | null
  providerSignature: string
  height: number
  timeMs: number
  txHash: string
}

export interface Refusal {
  refusalId: string
  code: string
  providerOrg: string
  consumerOrg: string | null
  grantId: string | null
  resourceId: string | null
  reason: string
  refusedAtMs: number
  height: number
  timeMs: number
  txHash: string
}

export interface Access {
  receiptId: string
  timeMs: number
  height: number
  consumerOrg: string
  consumerOrgName: string
  providerOrg: string
  resourceId: string
  resourceTitle: string
  purpose: string
  legalBasis: string
  grantId: string
  fields: string[]
}

export interface SubjectCredential {
  did: string
  subject: string
  issuerOrg: string
  issuerKey: string
  signature: string
}

export const sharingApi = {
  resources: (base: string, filter: { q?: string; owner?: string; shareType?: string; limit?: number }) =>
    callJson<{ resources: ResourceVersion[]; next: string | null }>(base, 'GET', `/v1/catalog/resources${qs(filter)}`),
  versions: (base: string, id: string) =>
    callJson<{ versions: ResourceVersion[] }>(base, 'GET', `/v1/catalog/resources/${encodeURIComponent(id)}/versions`),
  requests: (base: string, filter: { consumer?: string; owner?: string; resource?: string; status?: string }) =>
    callJson<{ requests: SharingRequest[]; next: string | null }>(base, 'GET', `/v1/sharing/requests${qs(filter)}`),
  receipts: (base: string, filter: { grant?: string; resource?: string; consumer?: string; provider?: string }) =>
    callJson<{ receipts: Receipt[]; next: string | null }>(base, 'GET', `/v1/sharing/receipts${qs(filter)}`),
  refusals: (base: string, filter: { provider?: string; consumer?: string; resource?: string }) =>
    callJson<{ refusals: Refusal[]; next: string | null }>(base, 'GET', `/v1/sharing/refusals${qs(filter)}`),
  challenge: (base: string) =>
    callJson<{ challenge: string; expiresMs: number }>(base, 'POST', '/v1/sharing/auth/challenge', {}),
  myAccesses: (
    base: string,
    body: {
      did: string
      publicKey: string
      challenge: string
      signature: string
      credential: SubjectCredential
      limit?: number
      after?: string
    },
  ) =>
    callJson<{ subject: string; accesses: Access[]; next: string | null }>(
      base,
      'POST',
      '/v1/sharing/my-accesses',
      body,
    ),
  lineage: (
    base: string,
    body: {
      resourceId: string
      subject?: string
      publicKey: string
      challenge: string
      signature: string
      limit?: number
      after?: { grants?: string; receipts?: string; refusals?: string }
    },
  ) =>
    callJson<{
      resource: ResourceVersion
      versions: { version: ResourceVersion; proof: ProofMaterial }[]
      grants: { request: SharingRequest; proof: ProofMaterial }[]
      receipts: { receipt: Receipt; proof: ProofMaterial }[]
      refusals: Refusal[]
      /** Where each kind goes on (null: complete). */
      next: { grants: string | null; receipts: string | null; refusals: string | null }
    }>(base, 'POST', '/v1/sharing/lineage', body),
  localFetch: (
    gatewayUrl: string,
    body: {
      grantId: string
      fields: string[]
      filter: { field: string; values: string[] } | null
      timeMs: number
      nonce: string
      publicKey: string
      signature: string
    },
  ) =>
    callJson<{
      rows: Record<string, unknown>[]
      fields: string[]
      receiptId: string
      txHash: string
      responseHash: string
    }>(gatewayUrl, 'POST', '/v1/local/fetch', body),
}
