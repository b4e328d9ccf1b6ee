/**
 * The licence module's API as the pages call it (docs/license-api.md). Answer types are the
 * routes' own schemas (views.ts).
 */
import { callJson, qs, type WithProofs } from '@govchain/portal-kit'
import { HOLDER_CHECK_PATH, HOLDER_LOOKUP_PATH, type HolderRecord } from '../holder-record.ts'
import type {
  LicenseAnswer,
  LicenseGrantView,
  LicenseHistoryAnswer,
  LicensePage,
  LicenseTypesAnswer,
  LicenseTypeView,
  LicenseUsesAnswer,
  LicenseUseView,
  LicenseVerdictView,
  LicenseView,
  PresentationVerdictView,
} from '../views.ts'

export type License = LicenseView
export type LicenseType = LicenseTypeView
export type LicenseGrant = LicenseGrantView
export type LicenseUse = LicenseUseView
/** The node's verdict; the Verify page also builds one from an offline check, which names no licence id. */
export type Verdict = WithProofs<Omit<LicenseVerdictView, 'licenseId'>> & { licenseId?: string | null }

export const licenseApi = {
  types: (base: string) => callJson<LicenseTypesAnswer>(base, 'GET', '/v1/license-types'),
  get: (base: string, id: string, prove = false) =>
    callJson<WithProofs<LicenseAnswer>>(
      base,
      'GET',
      `/v1/licenses/${encodeURIComponent(id)}${prove ? '?prove=true' : ''}`,
    ),
  list: (
    base: string,
    filter: {
      holder?: string
      issuer?: string
      type?: string
      status?: string
      fromMs?: number
      toMs?: number
      limit?: number
      after?: string
    },
  ) => callJson<LicensePage>(base, 'GET', `/v1/licenses${qs(filter)}`),
  history: (base: string, id: string) =>
    callJson<LicenseHistoryAnswer>(base, 'GET', `/v1/licenses/${encodeURIComponent(id)}/history`),
  verify: (base: string, input: { credential: string } | { qr: string }) =>
    callJson<Verdict>(base, 'POST', '/v1/licenses/verify', input),
  /** A short-QR presentation (`url` as scanned) for this page's `audience` (docs/adr/0025). */
  verifyPresentation: (base: string, input: { url: string; audience: string }) =>
    callJson<PresentationVerdictView>(base, 'POST', '/v1/licenses/presentations/verify', input),
  /** Holder-authenticated: `auth` from holderAuth() over the path `/v1/licenses/<id>/uses`. */
  uses: (base: string, id: string, auth: Record<string, string>) =>
    callJson<LicenseUsesAnswer>(base, 'GET', `/v1/licenses/${encodeURIComponent(id)}/uses${qs(auth)}`),
}

// ---------------------------------------------------------------- the department's holder register

/**
 * The issuing department's holder register, through its own data gateway's local API (proxied by
 * the portal server at /gateway/<org>): never the chain. Each request is the payload text the
 * officer signed (holderRequestMessage); docs/adr/0028-holder-lookup-off-chain.md.
 */
export const holderRegisterApi = {
  lookup: (gatewayUrl: string, body: { payload: string; publicKey: string; signature: string }) =>
    callJson<{ record: HolderRecord }>(gatewayUrl, 'POST', HOLDER_LOOKUP_PATH, body),
  check: (gatewayUrl: string, body: { payload: string; publicKey: string; signature: string }) =>
    callJson<{ ok: true; holder: string; name: string }>(gatewayUrl, 'POST', HOLDER_CHECK_PATH, body),
}
