/**
 * The catalogue's and the sharing module's API as the pages call it (docs/sharing-api.md). Every
 * answer is checked against its route's own schema (views.ts), the one the node serialises with
 * (callAnswer); the gateway's local fetch against the one the gateway answers with.
 */
import { ResourcePage, type ResourceVersionView, VersionsAnswer } from '@govchain/catalog/views'
import { callAnswer, qs, type SubjectCredential, type WithProofs } from '@govchain/portal-kit'
import type { GatewayLocalFetch } from '../schema.ts'
import {
  AccessesAnswer,
  type AccessView,
  BatchAnswer,
  ChallengeAnswer,
  LineageAnswer,
  LocalFetchAnswer,
  ReceiptPage,
  RefusalPage,
  RequestPage,
  type RequestView,
} from '../views.ts'

// ---------------------------------------------------------------- catalogue and sharing (docs/sharing-api.md)

export type ResourceVersion = ResourceVersionView
export type SharingRequest = RequestView
export type Access = AccessView

export const sharingApi = {
  resources: (base: string, filter: { q?: string; owner?: string; shareType?: string; limit?: number }) =>
    callAnswer(base, 'GET', `/v1/catalog/resources${qs(filter)}`, ResourcePage),
  versions: (base: string, id: string) =>
    callAnswer(base, 'GET', `/v1/catalog/resources/${encodeURIComponent(id)}/versions`, VersionsAnswer),
  requests: (base: string, filter: { consumer?: string; owner?: string; resource?: string; status?: string }) =>
    callAnswer(base, 'GET', `/v1/sharing/requests${qs(filter)}`, RequestPage),
  receipts: (base: string, filter: { grant?: string; resource?: string; consumer?: string; provider?: string }) =>
    callAnswer(base, 'GET', `/v1/sharing/receipts${qs(filter)}`, ReceiptPage),
  refusals: (base: string, filter: { provider?: string; consumer?: string; resource?: string }) =>
    callAnswer(base, 'GET', `/v1/sharing/refusals${qs(filter)}`, RefusalPage),
  /**
   * A receipt batch with the state proof that its root was committed (ADR 0036): with prove=true
   * the node sends every part of it, and the light client refuses material that lacks one.
   */
  batch: async (base: string, root: string) =>
    (await callAnswer(
      base,
      'GET',
      `/v1/sharing/batches/${encodeURIComponent(root)}?prove=true`,
      BatchAnswer,
    )) as WithProofs<BatchAnswer>,
  challenge: (base: string) => callAnswer(base, 'POST', '/v1/sharing/auth/challenge', ChallengeAnswer, {}),
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
  ) => callAnswer(base, 'POST', '/v1/sharing/my-accesses', AccessesAnswer, body),
  /** Each record's proof as the light client reads it (the node proves every one; see batch). */
  lineage: async (
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
  ) => (await callAnswer(base, 'POST', '/v1/sharing/lineage', LineageAnswer, body)) as WithProofs<LineageAnswer>,
  localFetch: (gatewayUrl: string, body: GatewayLocalFetch) =>
    callAnswer(gatewayUrl, 'POST', '/v1/local/fetch', LocalFetchAnswer, body),
}
