/**
 * The sharing API routes (docs/sharing-api.md): requests and grants, receipts, refusals, and the
 * two authenticated views — a data subject's "who used my data" and an auditor's lineage.
 *
 * Authentication is a single-use challenge signed with the caller's chain-suite key: a DID key
 * for "my accesses", an auditor officer's key for lineage. Challenges live in this node's memory
 * (bounded, 5 minutes); they are not consensus state.
 */

import { randomBytes } from 'node:crypto'
import type { ApiExtension, ApiRouteApp, ApiRouteSpec, ModuleApiContext } from '@govchain/app'
import {
  ClientSlots,
  clientAddressKey,
  err,
  HEX32_PARAM,
  ID_PARAM,
  INTERNAL,
  INVALID,
  inTimeRange,
  type JsonSchema,
  PUBLIC_KEY_PARAM,
  type RouteSpec,
  SIGNATURE_PARAM,
  type StateView,
  seekPage,
  stateJson,
  timeRange,
} from '@govchain/app'
import { SubjectCredentialView } from '@govchain/app/portal-views'
import type { CatalogKeeper } from '@govchain/catalog'
import { renderResourceVersion } from '@govchain/catalog'
import { CATALOG_MODULE, catalogVersionKey, ResourceVersion as ResourceVersionCodec } from '@govchain/catalog/schema'
import { codec, concatBytes, type ErrorCode, fromHex, GovchainError, toHex, utf8 } from '@govchain/core'
import type { DidView, IdentityKeeper } from '@govchain/identity'
import { DID_PATTERN, identityRef } from '@govchain/identity/schema'
import { Type } from '@sinclair/typebox'
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
        consumer: ID_PARAM,
        owner: ID_PARAM,
        resource: resourceId,
        status: {
          type: 'string',
          enum: ['pending', 'active', 'expired', 'exhausted', 'rejected', 'revoked', 'approved'],
        },
        limit: limitText,
        after: HEX32_PARAM,
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
    params: { type: 'object', required: ['requestId'], properties: { requestId: HEX32_PARAM } },
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
        consumer: ID_PARAM,
        owner: ID_PARAM,
        resource: resourceId,
        state: { type: 'string', enum: ['active', 'expired', 'exhausted', 'revoked'] },
        limit: limitText,
        after: HEX32_PARAM,
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
    params: { type: 'object', required: ['grantId'], properties: { grantId: HEX32_PARAM } },
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
        grant: HEX32_PARAM,
        resource: resourceId,
        consumer: ID_PARAM,
        provider: ID_PARAM,
        limit: limitText,
        after: HEX32_PARAM,
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
    params: { type: 'object', required: ['receiptId'], properties: { receiptId: HEX32_PARAM } },
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
    params: { type: 'object', required: ['root'], properties: { root: HEX32_PARAM } },
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
      properties: {
        provider: ID_PARAM,
        consumer: ID_PARAM,
        resource: resourceId,
        limit: limitText,
        after: HEX32_PARAM,
      },
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
        did: { type: 'string', pattern: DID_PATTERN.source },
        publicKey: PUBLIC_KEY_PARAM,
        challenge: HEX32_PARAM,
        signature: SIGNATURE_PARAM,
        credential: Type.Object(SubjectCredentialView.properties, { additionalProperties: false }),
        consumer: { ...ID_PARAM, description: 'only uses by this department (organisation id)' },
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
        after: { ...HEX32_PARAM, description: 'the `next` of the previous page (a receipt id)' },
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
        subject: HEX32_PARAM,
        publicKey: PUBLIC_KEY_PARAM,
        challenge: HEX32_PARAM,
        signature: SIGNATURE_PARAM,
        limit: { type: 'integer', minimum: 1, maximum: LINEAGE_ITEMS_MAX },
        after: {
          type: 'object',
          additionalProperties: false,
          description: 'the `next` of the previous page: where each kind goes on (absent: that kind from its start)',
          properties: { grants: HEX32_PARAM, receipts: HEX32_PARAM, refusals: HEX32_PARAM },
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

/** A listing's query string (the schema has checked its fields). */
type ListQuery = Record<string, string | undefined>
/** A state read with its proof, all at one height. */
type ProvenRead = (module: string, key: Uint8Array) => StateView

/** The challenge a caller signed, and the key it signed with. */
interface ChallengeAuth {
  publicKey: string
  challenge: string
  signature: string
}

interface AccessesBody extends ChallengeAuth {
  did: string
  credential?: SubjectCredentialView
  consumer?: string
  fromMs?: number
  toMs?: number
  limit?: number
  after?: string
}

interface LineageBody extends ChallengeAuth {
  resourceId: string
  subject?: string
  limit?: number
  after?: { grants?: string; receipts?: string; refusals?: string }
}

/** The one facet a listing filters by (`map`: query field → index facet); `a` (all) when none is given. */
function facetOf(q: ListQuery, map: Record<string, string>): [string, string] {
  const given = Object.keys(map).filter((k) => q[k] !== undefined)
  if (given.length > 1) throw new GovchainError('INVALID_ARGUMENT', `filter by one of ${Object.keys(map).join(', ')}`)
  const k = given[0]
  return k === undefined ? ['a', ''] : [map[k]!, q[k]!]
}

/**
 * The sharing routes' work: the public listings of requests, grants, receipts and refusals, and
 * the two challenge-authenticated views ("who used my data", an auditor's lineage).
 */
class SharingApi {
  private readonly challenges = new ChallengeStore()

  constructor(private readonly ctx: ModuleApiContext) {}

  private sharing(): SharingKeeper {
    return this.ctx.keeper<SharingKeeper>(SHARING_MODULE)
  }

  private catalog(): CatalogKeeper {
    return this.ctx.keeper<CatalogKeeper>(CATALOG_MODULE)
  }

  private identity(): IdentityKeeper {
    return this.ctx.keeper(identityRef)
  }

  register(app: ApiRouteApp, spec: ApiRouteSpec): void {
    this.registerRequests(app, spec)
    this.registerRecords(app, spec)
    this.registerAuthenticated(app, spec)
  }

  /** Requests and grants: the listings and one request or grant. */
  private registerRequests(app: ApiRouteApp, spec: ApiRouteSpec): void {
    app.route<{ Querystring: ListQuery }>({
      ...spec('sharingListRequests'),
      handler: async (request) => {
        const p = this.listRequests(request.query, false)
        return { requests: p.items, next: p.next }
      },
    })
    app.route<{ Querystring: ListQuery }>({
      ...spec('sharingListGrants'),
      handler: async (request) => {
        const p = this.listRequests(request.query, true)
        return { grants: p.items, next: p.next }
      },
    })
    app.route<{ Params: { requestId: string }; Querystring: { prove?: string } }>({
      ...spec('sharingGetRequest'),
      handler: async (request) => {
        const id = fromHex(request.params.requestId)
        const { value, proof } = this.stored(sharingRequestKey(id), request.query, 'SHARING_REQUEST_NOT_FOUND')
        const record = codec.decode(RequestRecord, value)
        return { request: renderRequest(record, this.ctx.latestTimeMs(), this.sharing().caseLink(id)), proof }
      },
    })
    app.route<{ Params: { grantId: string } }>({
      ...spec('sharingGetGrant'),
      handler: async (request) => {
        const r = this.sharing().request(fromHex(request.params.grantId))
        if (r === undefined || r.decision?.approve !== true) throw new GovchainError('SHARING_REQUEST_NOT_FOUND')
        return { grant: renderRequest(r, this.ctx.latestTimeMs(), this.sharing().caseLink(r.requestId)) }
      },
    })
  }

  /** The exchange trail: receipts, their batches and the gateways' refusals. */
  private registerRecords(app: ApiRouteApp, spec: ApiRouteSpec): void {
    app.route<{ Querystring: ListQuery }>({
      ...spec('sharingListReceipts'),
      handler: async (request) => this.receiptPage(request.query),
    })
    app.route<{ Params: { receiptId: string }; Querystring: { prove?: string } }>({
      ...spec('sharingGetReceipt'),
      handler: async (request) => {
        const id = fromHex(request.params.receiptId)
        const { value, proof } = this.stored(sharingReceiptKey(id), request.query, 'SHARING_RECEIPT_NOT_FOUND')
        return { receipt: renderReceipt(codec.decode(ReceiptRecord, value), this.sharing().inclusion(id)), proof }
      },
    })
    app.route<{ Params: { root: string }; Querystring: { prove?: string } }>({
      ...spec('sharingGetBatch'),
      handler: async (request) => {
        const key = sharingBatchKey(fromHex(request.params.root))
        const { value, proof } = this.stored(key, request.query, 'SHARING_BATCH_NOT_FOUND')
        return { batch: renderBatch(codec.decode(BatchRecord, value)), proof }
      },
    })
    app.route<{ Querystring: ListQuery }>({
      ...spec('sharingListRefusals'),
      handler: async (request) => this.refusalPage(request.query),
    })
  }

  /** The challenge, and the two views a signed challenge opens: "my accesses" and lineage. */
  private registerAuthenticated(app: ApiRouteApp, spec: ApiRouteSpec): void {
    app.route({
      ...spec('sharingChallenge'),
      handler: async (request) => this.challenges.issue(clientAddressKey(request.ip)),
    })
    app.route<{ Body: AccessesBody }>({
      ...spec('sharingMyAccesses'),
      handler: async (request) => this.myAccesses(request.body),
    })
    app.route<{ Body: LineageBody }>({
      ...spec('sharingLineage'),
      handler: async (request) => this.lineage(request.body),
    })
  }

  /** A sharing record's stored bytes at the latest height, with its proof when asked; `missing` when there is none. */
  private stored(
    key: Uint8Array,
    query: { prove?: string },
    missing: ErrorCode,
  ): { value: Uint8Array; proof: ReturnType<typeof stateJson> | null } {
    const prove = query.prove === 'true'
    const view = this.ctx.state(SHARING_MODULE, key, { prove })
    if (view.value === undefined) throw new GovchainError(missing)
    return { value: view.value, proof: prove ? stateJson(view) : null }
  }

  /** A listed record's height by id: the index keys a listing by height, and a cursor is an id. */
  private heightOf(family: IndexFamily): (id: Uint8Array) => number | undefined {
    const k = this.sharing()
    if (family === 'rq') return (id) => k.request(id)?.height
    if (family === 'rc') return (id) => k.receipt(id)?.height
    return (id) => k.refusal(id)?.height
  }

  /** One page of a public listing, filtered by the one facet of `facets` that `q` names. */
  private listing<T>(
    q: ListQuery,
    family: IndexFamily,
    facets: Record<string, string>,
    load: (id: Uint8Array) => T | undefined,
  ): { items: T[]; next: string | null } {
    const [facet, value] = facetOf(q, facets)
    return listPage(this.ctx, { family, facet, value }, q.after, Number(q.limit ?? 50), this.heightOf(family), load)
  }

  private listRequests(q: ListQuery, onlyGrants: boolean) {
    const now = this.ctx.latestTimeMs()
    const want = onlyGrants ? q.state : q.status
    const k = this.sharing()
    return this.listing(q, 'rq', { consumer: 'c', owner: 'o', resource: 'r' }, (id) => {
      const r = k.request(id)
      if (r === undefined) return undefined
      if (onlyGrants && r.decision?.approve !== true) return undefined
      const view = renderRequest(r, now, k.caseLink(id))
      if (want !== undefined && view.state !== want && view.status !== want) return undefined
      return view
    })
  }

  private receiptPage(q: ListQuery) {
    const k = this.sharing()
    const p = this.listing(q, 'rc', { grant: 'g', resource: 'r', consumer: 'c', provider: 'p' }, (id) => {
      const r = k.receipt(id)
      return r === undefined ? undefined : renderReceipt(r, k.inclusion(id))
    })
    return { receipts: p.items, next: p.next }
  }

  private refusalPage(q: ListQuery) {
    const k = this.sharing()
    const p = this.listing(q, 'rf', { provider: 'p', consumer: 'c', resource: 'r' }, (id) => refusalView(k, id))
    return { refusals: p.items, next: p.next }
  }

  /** The signer's key, once the challenge is spent and the signature over it verifies. */
  private checkAuth(purpose: 'my-accesses' | 'lineage', b: ChallengeAuth): Uint8Array {
    const publicKey = fromHex(b.publicKey)
    const ok =
      this.challenges.consume(b.challenge) &&
      this.ctx.suite.verify(publicKey, sharingAuthMessage(this.ctx.chainId, purpose, b.challenge), fromHex(b.signature))
    if (!ok) throw new GovchainError('SHARING_AUTH_FAILED', 'unknown, expired or used challenge, or bad signature')
    return publicKey
  }

  /** "Who used my data": the receipts touching the caller's pseudonym, newest first. */
  private myAccesses(b: AccessesBody) {
    // Before the challenge is spent: a bad range costs the caller nothing.
    const range = timeRange(b.fromMs, b.toMs)
    const publicKey = this.checkAuth('my-accesses', b)
    const id = this.identity()
    if (!id.isDidKey(b.did, publicKey))
      throw new GovchainError('SHARING_AUTH_FAILED', 'the key is not a current key of the DID')
    const subject = this.subjectOf(id, b.did, b.credential)
    const k = this.sharing()
    const cat = this.catalog()
    const page = listPage(
      this.ctx,
      { family: 'rc', facet: 's', value: toHex(subject) },
      b.after,
      b.limit ?? 100,
      this.heightOf('rc'),
      (rid) => {
        const rec = k.receipt(rid)
        if (rec === undefined || !inTimeRange(range, rec.timeMs)) return undefined
        const body = codec.decode(ReceiptBody, rec.body)
        if (b.consumer !== undefined && body.consumerOrg !== b.consumer) return undefined
        return accessView(rid, rec, body, { sharing: k, identity: id, catalog: cat })
      },
      // Block time never decreases with height: past the range's start, every older receipt is too.
      (rid) => (k.receipt(rid)?.timeMs ?? Number.MAX_SAFE_INTEGER) < range.fromMs,
    )
    return { subject: toHex(subject), accesses: page.items, next: page.next }
  }

  /** The DID's keyed pseudonym: the identity authority's link, else a subject credential it signed. */
  private subjectOf(id: IdentityKeeper, did: string, credential: SubjectCredentialView | undefined): Uint8Array {
    // The identity authority's link (identity.setPseudonym) when the identity keeper exposes it.
    const view = id.did(did) as (DidView & { pseudonym?: Uint8Array }) | undefined
    if (view?.pseudonym !== undefined) return view.pseudonym
    if (credential === undefined || credential.did !== did) {
      throw new GovchainError('SHARING_AUTH_FAILED', 'no pseudonym is linked to this DID')
    }
    const gw = this.catalog().gateway(credential.issuerOrg)
    const issuerKey = fromHex(credential.issuerKey)
    const ok =
      gw?.pseudonymAuthority === true &&
      toHex(gw.publicKey) === credential.issuerKey &&
      this.ctx.suite.verify(issuerKey, subjectCredentialMessage(did, credential.subject), fromHex(credential.signature))
    if (!ok)
      throw new GovchainError('SHARING_AUTH_FAILED', 'the subject credential is not signed by an identity authority')
    return fromHex(credential.subject)
  }

  /** An auditor's lineage of a resource: its versions, grants, uses and refusals, all proven at one height. */
  private lineage(b: LineageBody) {
    const publicKey = this.checkAuth('lineage', b)
    this.identity().requireOfficer(publicKey, 'auditor')
    const cat = this.catalog()
    const head = cat.head(b.resourceId)
    if (head === undefined) throw new GovchainError('CATALOG_NOT_FOUND')
    const height = this.ctx.latestHeight()
    const proven: ProvenRead = (module, key) => this.ctx.state(module, key, { prove: true, height })
    const versions = []
    for (let n = 1; n <= head.latest; n++) {
      const v = proven(CATALOG_MODULE, catalogVersionKey(b.resourceId, n))
      if (v.value === undefined) continue
      versions.push({
        version: renderResourceVersion(codec.decode(ResourceVersionCodec, v.value)),
        proof: stateJson(v),
      })
    }
    const { grants, receipts, refusals } = this.lineagePages(b, proven)
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
  }

  /** One lineage page per kind, by seek cursor: a resource's 12,000th receipt is a few pages away. */
  private lineagePages(b: LineageBody, proven: ProvenRead) {
    const now = this.ctx.latestTimeMs()
    const k = this.sharing()
    const limit = b.limit ?? LINEAGE_ITEMS_MAX
    const after = b.after ?? {}
    const page = <T>(family: IndexFamily, from: string | undefined, load: (id: Uint8Array) => T | undefined) =>
      listPage(this.ctx, { family, facet: 'r', value: b.resourceId }, from, limit, this.heightOf(family), load)
    const grants = page('rq', after.grants, (id) => {
      const v = proven(SHARING_MODULE, sharingRequestKey(id))
      if (v.value === undefined) return undefined
      return {
        request: renderRequest(codec.decode(RequestRecord, v.value), now, k.caseLink(id)),
        proof: stateJson(v),
      }
    })
    const receipts = page('rc', after.receipts, (id) => {
      const v = proven(SHARING_MODULE, sharingReceiptKey(id))
      if (v.value === undefined) return undefined
      const rec = codec.decode(ReceiptRecord, v.value)
      if (b.subject !== undefined) {
        const body = codec.decode(ReceiptBody, rec.body)
        if (!body.subjects.some((s) => toHex(s) === b.subject)) return undefined
      }
      return { receipt: renderReceipt(rec, k.inclusion(id)), proof: stateJson(v) }
    })
    const refusals = page('rf', after.refusals, (id) => refusalView(k, id))
    return { grants, receipts, refusals }
  }
}

/** A refusal as listed, or undefined when there is none. */
function refusalView(k: SharingKeeper, id: Uint8Array): ReturnType<typeof renderRefusal> | undefined {
  const r = k.refusal(id)
  return r === undefined ? undefined : renderRefusal(r)
}

/** One "who used my data" entry: a receipt with the names a citizen reads (department, resource, fields). */
function accessView(
  rid: Uint8Array,
  rec: ReceiptRecord,
  body: ReceiptBody,
  keepers: { sharing: SharingKeeper; identity: IdentityKeeper; catalog: CatalogKeeper },
) {
  const k = keepers.sharing
  const grant = k.request(body.grantId)
  const consumer = keepers.identity.organisation(body.consumerOrg)
  const res = keepers.catalog.version(body.resourceId, body.resourceVersion)
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
}

export function sharingApi(ctx: ModuleApiContext): ApiExtension {
  const api = new SharingApi(ctx)
  return { name: SHARING_MODULE, routes: SHARING_ROUTES, register: (app, spec) => api.register(app, spec) }
}
