/**
 * The licence module's API as the pages call it (docs/license-api.md). Every answer is checked
 * against its route's own schema (views.ts), the one the node serialises with (callAnswer).
 */
import { callAnswer, qs, type WithProofs, walkPages } from '@govchain/portal-kit'
import { HOLDER_CHECK_PATH, HOLDER_LOOKUP_PATH } from '../holder-record.ts'
import {
  HolderCheckAnswer,
  HolderLookupAnswer,
  type LicenseGrantView,
  LicenseHistoryAnswer,
  LicensePage,
  LicenseTypesAnswer,
  type LicenseTypeView,
  LicenseUsesAnswer,
  type LicenseUseView,
  LicenseVerdictView,
  type LicenseView,
  PresentationVerdictView,
} from '../views.ts'

export type License = LicenseView
export type LicenseType = LicenseTypeView
export type LicenseGrant = LicenseGrantView
export type LicenseUse = LicenseUseView
/** The node's verdict; the Verify page also builds one from an offline check, which names no licence id. */
export type Verdict = WithProofs<Omit<LicenseVerdictView, 'licenseId'>> & { licenseId?: string | null }

export const licenseApi = {
  types: (base: string) => callAnswer(base, 'GET', '/v1/license-types', LicenseTypesAnswer),
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
  ) => callAnswer(base, 'GET', `/v1/licenses${qs(filter)}`, LicensePage),
  /** Every history entry, page after page. */
  history: (base: string, id: string) =>
    walkPages(
      (after) =>
        callAnswer(base, 'GET', `/v1/licenses/${encodeURIComponent(id)}/history${qs({ after })}`, LicenseHistoryAnswer),
      () => {},
    ),
  /**
   * The node's verdict; its proof as the light client reads it (the schema's proof parts are
   * nullable, the light client refuses material that lacks one).
   */
  verify: async (base: string, input: { credential: string } | { qr: string }): Promise<Verdict> =>
    (await callAnswer(base, 'POST', '/v1/licenses/verify', LicenseVerdictView, input)) as Verdict,
  /** A short-QR presentation (`url` as scanned) for this page's `audience` (docs/adr/0025). */
  verifyPresentation: (base: string, input: { url: string; audience: string }) =>
    callAnswer(base, 'POST', '/v1/licenses/presentations/verify', PresentationVerdictView, input),
  /**
   * Holder-authenticated: `auth` from holderAuth() over the path `/v1/licenses/<id>/uses`. Every
   * grant and a page of the uses; `after` (the answer's `usesNext`) for the next page.
   */
  uses: (base: string, id: string, auth: Record<string, string>, after?: string) =>
    callAnswer(base, 'GET', `/v1/licenses/${encodeURIComponent(id)}/uses${qs({ ...auth, after })}`, LicenseUsesAnswer),
}

// ---------------------------------------------------------------- the department's holder register

/**
 * The issuing department's holder register, through its own data gateway's local API (proxied by
 * the portal server at /gateway/<org>): never the chain. Each request is the payload text the
 * officer signed (holderRequestMessage); docs/adr/0028-holder-lookup-off-chain.md. The answers
 * are checked against the schemas the gateway answers with (views.ts).
 */
export const holderRegisterApi = {
  lookup: (gatewayUrl: string, body: { payload: string; publicKey: string; signature: string }) =>
    callAnswer(gatewayUrl, 'POST', HOLDER_LOOKUP_PATH, HolderLookupAnswer, body),
  check: (gatewayUrl: string, body: { payload: string; publicKey: string; signature: string }) =>
    callAnswer(gatewayUrl, 'POST', HOLDER_CHECK_PATH, HolderCheckAnswer, body),
}
