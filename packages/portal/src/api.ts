/**
 * JSON calls to the module routes of the node API (licences: docs/license-api.md, catalogue and
 * sharing: docs/sharing-api.md) and to the department's data gateway. Errors are the SDK's
 * ApiError / SdkError with the node's code, so the pages show them like every other error.
 * Answers are read as data to display; anything that decides a verdict is re-checked in the
 * browser with the light client.
 */
import type { StateJson } from '@govchain/app/route-kit'
import type { ResourcePage, ResourceVersionView, VersionsAnswer } from '@govchain/catalog/views'
import type {
  LicenseAnswer,
  LicenseGrantView,
  LicenseHistoryAnswer,
  LicenseHistoryView,
  LicensePage,
  LicenseTypesAnswer,
  LicenseTypeView,
  LicenseUsesAnswer,
  LicenseUseView,
  LicenseVerdictView,
  LicenseView,
  VerdictCheckView,
} from '@govchain/license/views'
import { ApiError, SdkError } from '@govchain/sdk'
import type {
  AccessesAnswer,
  AccessView,
  ChallengeAnswer,
  LineageAnswer,
  ReceiptPage,
  ReceiptView,
  RefusalPage,
  RefusalView,
  RequestPage,
  RequestView,
} from '@govchain/sharing/views'

const REQUEST_TIMEOUT_MS = 15_000
const ANSWER_CHARS_MAX = 16 * 1024 * 1024

export async function callJson<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS)
  let res: Response
  try {
    res = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
      method,
      signal: controller.signal,
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  } catch (e) {
    clearTimeout(timer)
    if (controller.signal.aborted) throw new SdkError('SDK_TIMEOUT', `${method} ${path}: no answer`)
    throw new SdkError('SDK_NETWORK_ERROR', `${method} ${path}: ${(e as Error).message}`)
  }
  let text: string
  try {
    text = await res.text()
  } finally {
    clearTimeout(timer)
  }
  if (text.length > ANSWER_CHARS_MAX) throw new SdkError('SDK_BAD_RESPONSE', `${method} ${path}: answer too large`)
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  if (!res.ok) {
    const o = json as { code?: unknown; message?: unknown; details?: unknown } | undefined
    if (typeof o?.code === 'string') {
      throw new ApiError(
        o.code,
        typeof o.message === 'string' ? o.message : o.code,
        res.status,
        typeof o.details === 'object' && o.details !== null ? (o.details as Record<string, unknown>) : undefined,
      )
    }
    throw new ApiError('SDK_BAD_RESPONSE', `${method} ${path}: HTTP ${res.status}`, res.status)
  }
  if (typeof json !== 'object' || json === null) throw new SdkError('SDK_BAD_RESPONSE', `${method} ${path}: not JSON`)
  return json as T
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

// Answer types come from the routes' schemas in the application packages (views.ts), the very
// schemas the node serialises with: they cannot drift from what the node sends.

/**
 * A state proof as the pages read it. The schema's proof parts are nullable (the same object
 * answers without a proof); the pages ask with prove=true, where the node sends every part, and
 * the light client refuses material that lacks one.
 */
export type ProofMaterial = StateJson & { proof: string; headerBytes: string; certificate: string }
/** `T` with each `proof` in it (in arrays too) read as ProofMaterial. */
type WithProofs<T> = T extends readonly (infer U)[]
  ? WithProofs<U>[]
  : T extends object
    ? {
        [K in keyof T]: K extends 'proof'
          ? null extends T[K]
            ? ProofMaterial | null
            : ProofMaterial
          : WithProofs<T[K]>
      }
    : T

export type License = LicenseView
export type LicenseType = LicenseTypeView
export type LicenseHistoryEntry = LicenseHistoryView
export type LicenseGrant = LicenseGrantView
export type LicenseUse = LicenseUseView
/** The node's verdict; the Verify page also builds one from an offline check, which names no licence id. */
export type Verdict = WithProofs<Omit<LicenseVerdictView, 'licenseId'>> & { licenseId?: string | null }
export type VerdictCheck = VerdictCheckView

export const licenseApi = {
  types: (base: string) => callJson<LicenseTypesAnswer>(base, 'GET', '/v1/license-types'),
  get: (base: string, id: string, prove = false) =>
    callJson<WithProofs<LicenseAnswer>>(
      base,
      'GET',
      `/v1/licenses/${encodeURIComponent(id)}${prove ? '?prove=true' : ''}`,
    ),
  list: (base: string, filter: { holder?: string; issuer?: string; type?: string; status?: string; limit?: number }) =>
    callJson<LicensePage>(base, 'GET', `/v1/licenses${qs(filter)}`),
  history: (base: string, id: string) =>
    callJson<LicenseHistoryAnswer>(base, 'GET', `/v1/licenses/${encodeURIComponent(id)}/history`),
  verify: (base: string, input: { credential: string } | { qr: string }) =>
    callJson<Verdict>(base, 'POST', '/v1/licenses/verify', input),
  /** Holder-authenticated: `auth` from holderAuth() over the path `/v1/licenses/<id>/uses`. */
  uses: (base: string, id: string, auth: Record<string, string>) =>
    callJson<LicenseUsesAnswer>(base, 'GET', `/v1/licenses/${encodeURIComponent(id)}/uses${qs(auth)}`),
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

export type ResourceVersion = ResourceVersionView
export type SharingRequest = RequestView
export type Receipt = ReceiptView
export type Refusal = RefusalView
export type Access = AccessView

export interface SubjectCredential {
  did: string
  subject: string
  issuerOrg: string
  issuerKey: string
  signature: string
}

export const sharingApi = {
  resources: (base: string, filter: { q?: string; owner?: string; shareType?: string; limit?: number }) =>
    callJson<ResourcePage>(base, 'GET', `/v1/catalog/resources${qs(filter)}`),
  versions: (base: string, id: string) =>
    callJson<VersionsAnswer>(base, 'GET', `/v1/catalog/resources/${encodeURIComponent(id)}/versions`),
  requests: (base: string, filter: { consumer?: string; owner?: string; resource?: string; status?: string }) =>
    callJson<RequestPage>(base, 'GET', `/v1/sharing/requests${qs(filter)}`),
  receipts: (base: string, filter: { grant?: string; resource?: string; consumer?: string; provider?: string }) =>
    callJson<ReceiptPage>(base, 'GET', `/v1/sharing/receipts${qs(filter)}`),
  refusals: (base: string, filter: { provider?: string; consumer?: string; resource?: string }) =>
    callJson<RefusalPage>(base, 'GET', `/v1/sharing/refusals${qs(filter)}`),
  challenge: (base: string) => callJson<ChallengeAnswer>(base, 'POST', '/v1/sharing/auth/challenge', {}),
  myAccesses: (
    base: string,
    body: {
      did: string
      publicKey: string
      challenge: string
      signature: string
      credential: SubjectCredential
      limit?: number
    },
  ) => callJson<AccessesAnswer>(base, 'POST', '/v1/sharing/my-accesses', body),
  lineage: (
    base: string,
    body: { resourceId: string; subject?: string; publicKey: string; challenge: string; signature: string },
  ) => callJson<WithProofs<LineageAnswer>>(base, 'POST', '/v1/sharing/lineage', body),
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
