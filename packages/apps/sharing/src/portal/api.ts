/**
 * The catalogue's and the sharing module's API as the pages call it (docs/sharing-api.md).
 * Answer types are the routes' own schemas (views.ts).
 */
import type { ResourcePage, ResourceVersionView, VersionsAnswer } from '@govchain/catalog/views'
import { callJson, qs, type SubjectCredential, type WithProofs } from '@govchain/portal-kit'
import type { GatewayLocalFetch } from '../schema.ts'
import type {
  AccessesAnswer,
  AccessView,
  BatchAnswer,
  ChallengeAnswer,
  LineageAnswer,
  LocalFetchAnswer,
  ReceiptPage,
  RefusalPage,
  RequestPage,
  RequestView,
} from '../views.ts'

// ---------------------------------------------------------------- catalogue and sharing (docs/sharing-api.md)

export type ResourceVersion = ResourceVersionView
export type SharingRequest = RequestView
export type Access = AccessView

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
  /** A receipt batch with the state proof that its root was committed (ADR 0036). */
  batch: (base: string, root: string) =>
    callJson<WithProofs<BatchAnswer>>(base, 'GET', `/v1/sharing/batches/${encodeURIComponent(root)}?prove=true`),
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
      after?: string
    },
  ) => callJson<AccessesAnswer>(base, 'POST', '/v1/sharing/my-accesses', body),
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
  ) => callJson<WithProofs<LineageAnswer>>(base, 'POST', '/v1/sharing/lineage', body),
  localFetch: (gatewayUrl: string, body: GatewayLocalFetch) =>
    callJson<LocalFetchAnswer>(gatewayUrl, 'POST', '/v1/local/fetch', body),
}
