/**
 * The sharing API routes (docs/sharing-api.md): requests and grants, receipts, refusals, and the
 * two authenticated views — a data subject's "who used my data" and an auditor's lineage.
 *
 * Authentication is a single-use challenge signed with the caller's chain-suite key: a DID key
 * for "my accesses", an auditor officer's key for lineage. Challenges live in this node's memory
 * (bounded, 5 minutes); they are not consensus state.
 */

import { randomBytes } from 'node:crypto'
import type { ApiExtension, ModuleApiContext } from '@govchain/app'
import {
  ClientSlots,
  clientAddressKey,
  err,
  INTERNAL,
  INVALID,
  inTimeRange,
  type JsonSchema,
  type RouteSpec,
  seekPage,
  stateJson,
  timeRange,
} from '@govchain/app'
import type { CatalogKeeper } from '@govchain/catalog'
import { renderResourceVersion } from '@govchain/catalog'
import { CATALOG_MODULE, catalogVersionKey, ResourceVersion as ResourceVersionCodec } from '@govchain/catalog/schema'
import { codec, concatBytes, fromHex, GovchainError, toHex, utf8 } from '@govchain/core'
import type { DidView, IdentityKeeper } from '@govchain/identity'
import { identityRef } from '@govchain/identity/schema'
import {
  type IndexFamily,
  indexPrefix,
  inverted,
  renderBatch,
  renderInclusion,
  renderReceipt,
  renderRefusal,
  renderRequest,
  type SharingKeeper,
} from './module.ts'
import {
  BatchRecord,
  ReceiptBody,
  ReceiptRecord,
  RequestRecord,
  SHARING_MODULE,
  sharingAuthMessage,
  sharingBatchKey,
  sharingReceiptKey,
  sharingRequestKey,
  subjectCredentialMessage,
} from './schema.ts'
import {
  AccessesAnswer,
  BatchAnswer,
  ChallengeAnswer,
  GrantAnswer,
  GrantPage,
  LineageAnswer,
  ReceiptAnswer,
  ReceiptPage,
  RefusalPage,
  RequestAnswer,
  RequestPage,
} from './views.ts'

export const CHALLENGE_TTL_MS = 5 * 60_000
export const CHALLENGES_MAX = 10_000
/** Outstanding challenges of one client address: one client cannot take them all (issue 13, item 8). */
export const CHALLENGES_PER_CLIENT_MAX = 16
/** Entries one lineage page carries per kind (grants, receipts, refusals); `next` pages on, per kind. */
export const LINEAGE_ITEMS_MAX = 500
/** Accesses one "who used my data" page carries at most; `next` pages on. */
export const ACCESSES_PAGE_MAX = 500

const hex32 = { type: 'string', pattern: '^[0-9a-f]{64}$' }
const hexKey = { type: 'string', pattern: '^([0-9a-f]{2}){32,65}$' }
const hexSig = { type: 'string', pattern: '^[0-9a-f]{128}$' }
const orgId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }
const resourceId = { type: 'string', pattern: '^[a-z][a-z0-9_.-]{2,63}$' }
const limitText = { type: 'string', pattern: '^([1-9]|[1-9][0-9]|100)$', description: '1..100, default 50' }
const proveQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { prove: { type: 'string', enum: ['true', 'false'] } },
}
const AUTH_401 = err('authentication failed (SHARING_AUTH_FAILED)')

export const SHARING_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/sharing/requests',
    operationId: 'sharingListRequests',
    summary: 'Data requests, newest first',
    description: 'Filter by consumer, owner or resource (one facet) and by computed state.',
    tag: SHARING_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        consumer: orgId,
        owner: orgId,
        resource: resourceId,
        status: {
          type: 'string',
          enum: ['pending', 'active', 'expired', 'exhausted', 'rejected', 'revoked', 'approved'],
        },
        limit: limitText,
        after: hex32,
      },
    },
    responses: { 200: { description: 'requests', schema: RequestPage }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'GET',
    url: '/v1/sharing/requests/:requestId',
    operationId: 'sharingGetRequest',
    summary: 'A data request (and its grant), optionally with a state proof',
    description: 'Every step with who, when and why: request, decision, grant, revocation, use counters.',
    tag: SHARING_MODULE,
    params: { type: 'object', required: ['requestId'], properties: { requestId: hex32 } },
    querystring: proveQuery,
    responses: {
      200: { description: 'the request', schema: RequestAnswer },
      400: INVALID,
      404: err('no such request (SHARING_REQUEST_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/sharing/grants',
    operationId: 'sharingListGrants',
    summary: 'Grants (approved requests), newest first',
    description: 'Same filters as requests; `state` filters the computed grant state.',
    tag: SHARING_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        consumer: orgId,
        owner: orgId,
        resource: resourceId,
        state: { type: 'string', enum: ['active', 'expired', 'exhausted', 'revoked'] },
        limit: limitText,
        after: hex32,
      },
    },
    responses: { 200: { description: 'grants', schema: GrantPage }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'GET',
    url: '/v1/sharing/grants/:grantId',
    operationId: 'sharingGetGrant',
    summary: 'A grant',
    description: 'The approved request; 404 if the request was never approved.',
    tag: SHARING_MODULE,
    params: { type: 'object', required: ['grantId'], properties: { grantId: hex32 } },
    responses: {
      200: { description: 'the grant', schema: GrantAnswer },
      400: INVALID,
      404: err('no such grant (SHARING_REQUEST_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/sharing/receipts',
    operationId: 'sharingListReceipts',
    summary: 'Receipts of data exchanges, newest first',
    description: 'Filter by grant, resource, consumer or provider (one facet).',
    tag: SHARING_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        grant: hex32,
        resource: resourceId,
        consumer: orgId,
        provider: orgId,
        limit: limitText,
        after: hex32,
      },
    },
    responses: { 200: { description: 'receipts', schema: ReceiptPage }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'GET',
    url: '/v1/sharing/receipts/:receiptId',
    operationId: 'sharingGetReceipt',
    summary: 'A receipt, optionally with a state proof',
    description: 'Signed by both gateways; `responseHash` is the hash of the exact encrypted bytes delivered.',
    tag: SHARING_MODULE,
    params: { type: 'object', required: ['receiptId'], properties: { receiptId: hex32 } },
    querystring: proveQuery,
    responses: {
      200: { description: 'the receipt', schema: ReceiptAnswer },
      400: INVALID,
      404: err('no such receipt (SHARING_RECEIPT_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/sharing/batches/:root',
    operationId: 'sharingGetBatch',
    summary: 'A batch of receipts, optionally with a state proof',
    description:
      'A batch transaction recorded up to 1,000 receipts under this RFC 9162 Merkle root (ADR 0036); each ' +
      'receipt carries its inclusion proof to it. The state proof shows the root was committed.',
    tag: SHARING_MODULE,
    params: { type: 'object', required: ['root'], properties: { root: hex32 } },
    querystring: proveQuery,
    responses: {
      200: { description: 'the batch', schema: BatchAnswer },
      400: INVALID,
      404: err('no such batch (SHARING_BATCH_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/sharing/refusals',
    operationId: 'sharingListRefusals',
    summary: 'Refused gateway requests, newest first',
    description: 'Recorded by the refusing gateway when the requester was identifiable.',
    tag: SHARING_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { provider: orgId, consumer: orgId, resource: resourceId, limit: limitText, after: hex32 },
    },
    responses: { 200: { description: 'refusals', schema: RefusalPage }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'POST',
    url: '/v1/sharing/auth/challenge',
    operationId: 'sharingChallenge',
    summary: 'A single-use challenge for "my accesses" and lineage',
    description: 'Sign utf8("govchain/sharing-auth/v1\\n" + chainId + "\\n" + purpose + "\\n" + challenge).',
    tag: SHARING_MODULE,
    body: { type: 'object', additionalProperties: false, properties: {} },
    responses: {
      200: {
        description: 'the challenge',
        schema: ChallengeAnswer,
      },
      429: err('too many outstanding challenges from this client address (CLIENT_CHALLENGE_LIMIT)'),
      503: err('too many outstanding challenges (TOO_MANY_CONNECTIONS)'),
    },
  },
  {
    method: 'POST',
    url: '/v1/sharing/my-accesses',
    operationId: 'sharingMyAccesses',
    summary: 'Who used my data (authenticated with my DID key)',
    description:
      'Every recorded access to the caller’s data: department, resource, purpose, grant, time. The caller proves ' +
      'control of a current key of the DID; the DID’s keyed pseudonym is the one the identity authority linked to it ' +
      '(or one in a subject credential signed by an identity authority’s gateway). Newest first, paged by cursor; ' +
      '`consumer` keeps one department’s uses and `fromMs`/`toMs` those in a block-time range, both bounds ' +
      'inclusive (INVALID_DATE_RANGE when `fromMs` is after `toMs`, checked before the challenge is used). A ' +
      'page may come back short with a non-null `next` when the filter skipped many records; `next` is null ' +
      'only on the last page.',
    tag: SHARING_MODULE,
    body: {
      type: 'object',
      required: ['did', 'publicKey', 'challenge', 'signature'],
      additionalProperties: false,
      properties: {
        did: { type: 'string', pattern: '^did:govchain:[1-9A-HJ-NP-Za-km-z]{1,44}$' },
        publicKey: hexKey,
        challenge: hex32,
        signature: hexSig,
        credential: {
          type: 'object',
          required: ['did', 'subject', 'issuerOrg', 'issuerKey', 'signature'],
          additionalProperties: false,
          properties: {
            did: { type: 'string', maxLength: 64 },
            subject: hex32,
            issuerOrg: orgId,
            issuerKey: hexKey,
            signature: hexSig,
          },
        },
        consumer: { ...orgId, description: 'only uses by this department (organisation id)' },
        fromMs: {
          type: 'integer',
          minimum: 0,
          maximum: Number.MAX_SAFE_INTEGER,
          description: 'used at or after (block time, ms)',
        },
        toMs: {
          type: 'integer',
          minimum: 0,
          maximum: Number.MAX_SAFE_INTEGER,
          description: 'used at or before (block time, ms)',
        },
        limit: { type: 'integer', minimum: 1, maximum: ACCESSES_PAGE_MAX },
        after: { ...hex32, description: 'the `next` of the previous page (a receipt id)' },
      },
    },
    responses: {
      200: {
        description: 'accesses',
        schema: AccessesAnswer,
      },
      400: err('invalid body (INVALID_ARGUMENT), or a date range whose start is after its end (INVALID_DATE_RANGE)'),
      401: AUTH_401,
      500: INTERNAL,
    },
  },
  {
    method: 'POST',
    url: '/v1/sharing/lineage',
    operationId: 'sharingLineage',
    summary: 'Lineage of a data item, with proofs (auditors)',
    description:
      'Catalogue versions, grants, each use (receipt) and refusals of a resource, each stored record with a state ' +
      'proof; with `subject`, only uses touching that pseudonym. The caller is an officer with the auditor role.',
    tag: SHARING_MODULE,
    body: {
      type: 'object',
      required: ['resourceId', 'publicKey', 'challenge', 'signature'],
      additionalProperties: false,
      properties: {
        resourceId,
        subject: hex32,
        publicKey: hexKey,
        challenge: hex32,
        signature: hexSig,
        limit: { type: 'integer', minimum: 1, maximum: LINEAGE_ITEMS_MAX },
        after: {
          type: 'object',
          additionalProperties: false,
          description: 'the `next` of the previous page: where each kind goes on (absent: that kind from its start)',
          properties: { grants: hex32, receipts: hex32, refusals: hex32 },
        },
      },
    },
    responses: {
      200: { description: 'lineage', schema: LineageAnswer },
      400: INVALID,
      401: AUTH_401,
      403: err('not an auditor (IDENTITY_ROLE_MISSING, IDENTITY_NOT_OFFICER, ...)'),
      404: err('no such resource (CATALOG_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
]

/**
 * Single-use challenges with expiry; wall clock is fine here (API layer, not consensus).
 * Outstanding challenges are bounded per client address (clientAddressKey: 429
 * CLIENT_CHALLENGE_LIMIT) and in all (503 TOO_MANY_CONNECTIONS); a used or expired one frees its slot.
 */
export class ChallengeStore {
  private readonly byHex = new Map<string, { expiresMs: number; client: string }>()
  private readonly slots: ClientSlots
  private readonly nowMs: () => number
  private readonly ttlMs: number

  constructor(opts: { nowMs?: () => number; perClientMax?: number; totalMax?: number; ttlMs?: number } = {}) {
    this.nowMs = opts.nowMs ?? Date.now
    this.ttlMs = opts.ttlMs ?? CHALLENGE_TTL_MS
    this.slots = new ClientSlots({
      perClientMax: opts.perClientMax ?? CHALLENGES_PER_CLIENT_MAX,
      totalMax: opts.totalMax ?? CHALLENGES_MAX,
    })
  }

  /** A challenge for `client` (its clientAddressKey). */
  issue(client: string): { challenge: string; expiresMs: number } {
    this.sweep()
    const slot = this.slots.take(client)
    if (slot === 'client_limit') throw new GovchainError('CLIENT_CHALLENGE_LIMIT')
    if (slot === 'total_limit') throw new GovchainError('TOO_MANY_CONNECTIONS', 'too many outstanding challenges')
    const challenge = randomBytes(32).toString('hex')
    const expiresMs = this.nowMs() + this.ttlMs
    this.byHex.set(challenge, { expiresMs, client })
    return { challenge, expiresMs }
  }

  /** True once per issued, unexpired challenge. */
  consume(challenge: string): boolean {
    const entry = this.byHex.get(challenge)
    if (entry === undefined) return false
    this.byHex.delete(challenge)
    this.slots.release(entry.client)
    return entry.expiresMs > this.nowMs()
  }

  get size(): number {
    return this.byHex.size
  }

  private sweep(): void {
    const now = this.nowMs()
    // Insertion order is expiry order (one TTL for all): stop at the first still valid.
    for (const [k, entry] of this.byHex) {
      if (entry.expiresMs > now) break
      this.byHex.delete(k)
      this.slots.release(entry.client)
    }
  }
}

/**
 * One page of an index listing (newest first), by seek cursor so that no listing stops at a fixed
 * scan size. Cursors stay record ids (hex) as before: `after` is turned into its index key through
 * the record's height, and `next` is the id of the last entry examined.
 */
export function listPage<T>(
  ctx: Pick<ModuleApiContext, 'scanIndex'>,
  list: { family: IndexFamily; facet: string; value: string },
  after: string | undefined,
  limit: number,
  heightOf: (id: Uint8Array) => number | undefined,
  load: (id: Uint8Array) => T | undefined,
  /** True when the record and every older one lie outside a date filter (lists run newest first). */
  olderThanRange?: (id: Uint8Array) => boolean,
): { items: T[]; next: string | null } {
  const prefix = concatBytes(utf8(`${SHARING_MODULE}/`), indexPrefix(list.family, list.facet, list.value))
  let afterSuffix: Uint8Array | undefined
  if (after !== undefined) {
    const id = /^[0-9a-f]{64}$/.test(after) ? fromHex(after) : undefined
    const height = id === undefined ? undefined : heightOf(id)
    if (id === undefined || height === undefined) throw new GovchainError('INVALID_ARGUMENT', 'after: not a listed id')
    afterSuffix = concatBytes(inverted(height), id)
  }
  const p = seekPage({
    scan: (pre, n, from) => ctx.scanIndex(pre, n, from),
    prefix,
    after: afterSuffix,
    limit,
    take: ({ suffix }) => load(suffix.subarray(suffix.length - 32)),
    ...(olderThanRange === undefined
      ? {}
      : { end: ({ suffix }) => olderThanRange(suffix.subarray(suffix.length - 32)) }),
  })
  return { items: p.items, next: p.next === null ? null : toHex(p.next.subarray(p.next.length - 32)) }
}

export function sharingApi(ctx: ModuleApiContext): ApiExtension {
  const challenges = new ChallengeStore()
  const sharing = (): SharingKeeper => ctx.keeper<SharingKeeper>(SHARING_MODULE)
  const catalog = (): CatalogKeeper => ctx.keeper<CatalogKeeper>(CATALOG_MODULE)
  const identity = (): IdentityKeeper => ctx.keeper(identityRef)

  const facetOf = (q: Record<string, string | undefined>, map: Record<string, string>): [string, string] => {
    const given = Object.keys(map).filter((k) => q[k] !== undefined)
    if (given.length > 1) throw new GovchainError('INVALID_ARGUMENT', `filter by one of ${Object.keys(map).join(', ')}`)
    const k = given[0]
    return k === undefined ? ['a', ''] : [map[k]!, q[k]!]
  }

  const checkAuth = (
    purpose: 'my-accesses' | 'lineage',
    b: { publicKey: string; challenge: string; signature: string },
  ): Uint8Array => {
    const publicKey = fromHex(b.publicKey)
    const ok =
      challenges.consume(b.challenge) &&
      ctx.suite.verify(publicKey, sharingAuthMessage(ctx.chainId, purpose, b.challenge), fromHex(b.signature))
    if (!ok) throw new GovchainError('SHARING_AUTH_FAILED', 'unknown, expired or used challenge, or bad signature')
    return publicKey
  }

  return {
    name: SHARING_MODULE,
    routes: SHARING_ROUTES,
    register(app, spec) {
      const listRequests = (q: Record<string, string | undefined>, onlyGrants: boolean) => {
        const [facet, value] = facetOf(q, { consumer: 'c', owner: 'o', resource: 'r' })
        const now = ctx.latestTimeMs()
        const want = onlyGrants ? q.state : q.status
        const k = sharing()
        const list = { family: 'rq' as const, facet, value }
        return listPage(
          ctx,
          list,
          q.after,
          Number(q.limit ?? 50),
          (id) => k.request(id)?.height,
          (id) => {
            const r = k.request(id)
            if (r === undefined) return undefined
            if (onlyGrants && r.decision?.approve !== true) return undefined
            const view = renderRequest(r, now, k.caseLink(id))
            if (want !== undefined && view.state !== want && view.status !== want) return undefined
            return view
          },
        )
      }
      app.route<{ Querystring: Record<string, string | undefined> }>({
        ...spec('sharingListRequests'),
        handler: async (request) => {
          const p = listRequests(request.query, false)
          return { requests: p.items, next: p.next }
        },
      })
      app.route<{ Querystring: Record<string, string | undefined> }>({
        ...spec('sharingListGrants'),
        handler: async (request) => {
          const p = listRequests(request.query, true)
          return { grants: p.items, next: p.next }
        },
      })
      app.route<{ Params: { requestId: string }; Querystring: { prove?: string } }>({
        ...spec('sharingGetRequest'),
        handler: async (request) => {
          const prove = request.query.prove === 'true'
          const view = ctx.state(SHARING_MODULE, sharingRequestKey(fromHex(request.params.requestId)), { prove })
          if (view.value === undefined) throw new GovchainError('SHARING_REQUEST_NOT_FOUND')
          return {
            request: renderRequest(
              codec.decode(RequestRecord, view.value),
              ctx.latestTimeMs(),
              sharing().caseLink(fromHex(request.params.requestId)),
            ),
            proof: prove ? stateJson(view) : null,
          }
        },
      })
      app.route<{ Params: { grantId: string } }>({
        ...spec('sharingGetGrant'),
        handler: async (request) => {
          const r = sharing().request(fromHex(request.params.grantId))
          if (r === undefined || r.decision?.approve !== true) throw new GovchainError('SHARING_REQUEST_NOT_FOUND')
          return { grant: renderRequest(r, ctx.latestTimeMs(), sharing().caseLink(r.requestId)) }
        },
      })
      app.route<{ Querystring: Record<string, string | undefined> }>({
        ...spec('sharingListReceipts'),
        handler: async (request) => {
          const q = request.query
          const [facet, value] = facetOf(q, { grant: 'g', resource: 'r', consumer: 'c', provider: 'p' })
          const k = sharing()
          const list = { family: 'rc' as const, facet, value }
          const p = listPage(
            ctx,
            list,
            q.after,
            Number(q.limit ?? 50),
            (id) => k.receipt(id)?.height,
            (id) => {
              const r = k.receipt(id)
              return r === undefined ? undefined : renderReceipt(r, k.inclusion(id))
            },
          )
          return { receipts: p.items, next: p.next }
        },
      })
      app.route<{ Params: { receiptId: string }; Querystring: { prove?: string } }>({
        ...spec('sharingGetReceipt'),
        handler: async (request) => {
          const prove = request.query.prove === 'true'
          const view = ctx.state(SHARING_MODULE, sharingReceiptKey(fromHex(request.params.receiptId)), { prove })
          if (view.value === undefined) throw new GovchainError('SHARING_RECEIPT_NOT_FOUND')
          return {
            receipt: renderReceipt(
              codec.decode(ReceiptRecord, view.value),
              sharing().inclusion(fromHex(request.params.receiptId)),
            ),
            proof: prove ? stateJson(view) : null,
          }
        },
      })
      app.route<{ Params: { root: string }; Querystring: { prove?: string } }>({
        ...spec('sharingGetBatch'),
        handler: async (request) => {
          const prove = request.query.prove === 'true'
          const view = ctx.state(SHARING_MODULE, sharingBatchKey(fromHex(request.params.root)), { prove })
          if (view.value === undefined) throw new GovchainError('SHARING_BATCH_NOT_FOUND')
          return { batch: renderBatch(codec.decode(BatchRecord, view.value)), proof: prove ? stateJson(view) : null }
        },
      })
      app.route<{ Querystring: Record<string, string | undefined> }>({
        ...spec('sharingListRefusals'),
        handler: async (request) => {
          const q = request.query
          const [facet, value] = facetOf(q, { provider: 'p', consumer: 'c', resource: 'r' })
          const k = sharing()
          const list = { family: 'rf' as const, facet, value }
          const p = listPage(
            ctx,
            list,
            q.after,
            Number(q.limit ?? 50),
            (id) => k.refusal(id)?.height,
            (id) => {
              const r = k.refusal(id)
              return r === undefined ? undefined : renderRefusal(r)
            },
          )
          return { refusals: p.items, next: p.next }
        },
      })
      app.route({
        ...spec('sharingChallenge'),
        handler: async (request) => challenges.issue(clientAddressKey(request.ip)),
      })

      app.route<{
        Body: {
          did: string
          publicKey: string
          challenge: string
          signature: string
          credential?: { did: string; subject: string; issuerOrg: string; issuerKey: string; signature: string }
          consumer?: string
          fromMs?: number
          toMs?: number
          limit?: number
          after?: string
        }
      }>({
        ...spec('sharingMyAccesses'),
        handler: async (request) => {
          const b = request.body
          // Before the challenge is spent: a bad range costs the caller nothing.
          const range = timeRange(b.fromMs, b.toMs)
          const publicKey = checkAuth('my-accesses', b)
          const id = identity()
          if (!id.isDidKey(b.did, publicKey))
            throw new GovchainError('SHARING_AUTH_FAILED', 'the key is not a current key of the DID')
          const subject = subjectOf(id, b.did, b.credential)
          const k = sharing()
          const cat = catalog()
          const page = listPage(
            ctx,
            { family: 'rc', facet: 's', value: toHex(subject) },
            b.after,
            b.limit ?? 100,
            (rid) => k.receipt(rid)?.height,
            (rid) => {
              const rec = k.receipt(rid)
              if (rec === undefined || !inTimeRange(range, rec.timeMs)) return undefined
              const body = codec.decode(ReceiptBody, rec.body)
              if (b.consumer !== undefined && body.consumerOrg !== b.consumer) return undefined
              const grant = k.request(body.grantId)
              const consumer = id.organisation(body.consumerOrg)
              const res = cat.version(body.resourceId, body.resourceVersion)
              return {
                receiptId: toHex(rec.receiptId),
                timeMs: rec.timeMs,
                height: rec.height,
                consumerOrg: body.consumerOrg,
                consumerOrgName: consumer?.name ?? body.consumerOrg,
                providerOrg: body.providerOrg,
                resourceId: body.resourceId,
                resourceTitle: res?.title ?? body.resourceId,
                purpose: grant?.purpose ?? '',
                legalBasis: grant?.legalBasis ?? '',
                grantId: toHex(body.grantId),
                fields: body.fields,
                fieldLabels: body.fields.map((f) => res?.fields.find((x) => x.name === f)?.label || f),
                caseId: ((l) => (l === undefined ? null : toHex(l.caseId)))(k.caseLink(body.grantId)),
                batch: renderInclusion(rec, k.inclusion(rid)),
              }
            },
            // Block time never decreases with height: past the range's start, every older receipt is too.
            (rid) => (k.receipt(rid)?.timeMs ?? Number.MAX_SAFE_INTEGER) < range.fromMs,
          )
          return { subject: toHex(subject), accesses: page.items, next: page.next }
        },
      })

      const subjectOf = (
        id: IdentityKeeper,
        did: string,
        credential:
          | { did: string; subject: string; issuerOrg: string; issuerKey: string; signature: string }
          | undefined,
      ): Uint8Array => {
        // The identity authority's link (identity.setPseudonym) when the identity keeper exposes it.
        const view = id.did(did) as (DidView & { pseudonym?: Uint8Array }) | undefined
        if (view?.pseudonym !== undefined) return view.pseudonym
        if (credential === undefined || credential.did !== did) {
          throw new GovchainError('SHARING_AUTH_FAILED', 'no pseudonym is linked to this DID')
        }
        const gw = catalog().gateway(credential.issuerOrg)
        const issuerKey = fromHex(credential.issuerKey)
        const ok =
          gw?.pseudonymAuthority === true &&
          toHex(gw.publicKey) === credential.issuerKey &&
          ctx.suite.verify(issuerKey, subjectCredentialMessage(did, credential.subject), fromHex(credential.signature))
        if (!ok)
          throw new GovchainError(
            'SHARING_AUTH_FAILED',
            'the subject credential is not signed by an identity authority',
          )
        return fromHex(credential.subject)
      }

      app.route<{
        Body: {
          resourceId: string
          subject?: string
          publicKey: string
          challenge: string
          signature: string
          limit?: number
          after?: { grants?: string; receipts?: string; refusals?: string }
        }
      }>({
        ...spec('sharingLineage'),
        handler: async (request) => {
          const b = request.body
          const publicKey = checkAuth('lineage', b)
          identity().requireOfficer(publicKey, 'auditor')
          const cat = catalog()
          const head = cat.head(b.resourceId)
          if (head === undefined) throw new GovchainError('CATALOG_NOT_FOUND')
          const height = ctx.latestHeight()
          const proven = (module: string, key: Uint8Array) => ctx.state(module, key, { prove: true, height })
          const versions = []
          for (let n = 1; n <= head.latest; n++) {
            const v = proven(CATALOG_MODULE, catalogVersionKey(b.resourceId, n))
            if (v.value === undefined) continue
            versions.push({
              version: renderResourceVersion(codec.decode(ResourceVersionCodec, v.value)),
              proof: stateJson(v),
            })
          }
          const now = ctx.latestTimeMs()
          // One page per kind, by seek cursor: a resource's 12,000th receipt is a few pages away.
          const k = sharing()
          const limit = b.limit ?? LINEAGE_ITEMS_MAX
          const after = b.after ?? {}
          const byResource = (family: 'rq' | 'rc' | 'rf') => ({ family, facet: 'r', value: b.resourceId })
          const grants = listPage(
            ctx,
            byResource('rq'),
            after.grants,
            limit,
            (id) => k.request(id)?.height,
            (id) => {
              const v = proven(SHARING_MODULE, sharingRequestKey(id))
              if (v.value === undefined) return undefined
              return {
                request: renderRequest(codec.decode(RequestRecord, v.value), now, k.caseLink(id)),
                proof: stateJson(v),
              }
            },
          )
          const receipts = listPage(
            ctx,
            byResource('rc'),
            after.receipts,
            limit,
            (id) => k.receipt(id)?.height,
            (id) => {
              const v = proven(SHARING_MODULE, sharingReceiptKey(id))
              if (v.value === undefined) return undefined
              const rec = codec.decode(ReceiptRecord, v.value)
              if (b.subject !== undefined) {
                const body = codec.decode(ReceiptBody, rec.body)
                if (!body.subjects.some((s) => toHex(s) === b.subject)) return undefined
              }
              return { receipt: renderReceipt(rec, k.inclusion(id)), proof: stateJson(v) }
            },
          )
          const refusals = listPage(
            ctx,
            byResource('rf'),
            after.refusals,
            limit,
            (id) => k.refusal(id)?.height,
            (id) => {
              const r = k.refusal(id)
              return r === undefined ? undefined : renderRefusal(r)
            },
          )
          const latest = cat.version(b.resourceId, head.latest)
          return {
            resource: latest === undefined ? null : renderResourceVersion(latest, cat.gateway(latest.ownerOrg)),
            height,
            versions,
            grants: grants.items,
            receipts: receipts.items,
            refusals: refusals.items,
            next: { grants: grants.next, receipts: receipts.next, refusals: refusals.next },
          }
        },
      })
    },
  }
}
