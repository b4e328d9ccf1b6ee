/**
 * The `service` module's REST routes, served by the node under /v1/service (docs/service.md):
 * the service hall's items (searchable, paged), an item with its guide's parts, a case with its
 * steps and sub-cases, a department's work queue, and an applicant's own cases through a signed
 * single-use challenge.
 */
import {
  type ApiExtension,
  type ApiRouteApp,
  type ApiRouteSpec,
  clientAddressKey,
  err,
  HEX32_PARAM,
  INTERNAL,
  INVALID,
  type ModuleApiContext,
  PUBLIC_KEY_PARAM,
  type RouteSpec,
  SEQUENCE_QUERY_PROPERTIES,
  type SequenceQuery,
  SIGNATURE_PARAM,
  seekPage,
  sequencePage,
  stateJson,
} from '@govchain/app'
import { codec, concatBytes, fromHex, GovchainError, toHex, utf8 } from '@govchain/core'
import { DID_PATTERN, identityRef } from '@govchain/identity/schema'
import { ChallengeStore } from '@govchain/sharing'
import { renderCase, renderItem, renderStep, type ServiceKeeper } from './module.ts'
import {
  CASE_STATUSES,
  CaseRecord,
  ItemList,
  myCasesMessage,
  SERVICE_INDEX,
  SERVICE_ITEM_CODE,
  SERVICE_KEYS,
  SERVICE_MODULE,
  ServiceItemRecord,
  serviceRef,
} from './schema.ts'
import {
  CaseAnswer,
  CasePage,
  type CaseView,
  ItemAnswer,
  ItemPage,
  type ItemView,
  ServiceChallengeAnswer,
  StepPage,
} from './views.ts'

const LIST_LIMIT_MAX = 200
const CODE = { type: 'string', pattern: SERVICE_ITEM_CODE.source }
const CURSOR = { type: 'string', pattern: '^([0-9a-f]{2}){1,64}$' }

export const SERVICE_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/service/items',
    operationId: 'serviceItems',
    summary: '办事大厅: the service items, optionally searched, one page',
    description:
      'q matches the code or the Chinese or English title (case-insensitive); org limits to one department. ' +
      'Pass the answer’s `next` as `after` for the next page.',
    tag: SERVICE_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        q: { type: 'string', maxLength: 64 },
        org: { type: 'string', maxLength: 64 },
        after: CODE,
        limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX },
      },
    },
    responses: { 200: { description: 'one page', schema: ItemPage }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'GET',
    url: '/v1/service/items/:code',
    operationId: 'serviceItem',
    summary: 'A service item (办事指南) and, for a one-thing bundle, its parts',
    description: 'The latest version, or `version`; with prove=true the answer carries the state proof.',
    tag: SERVICE_MODULE,
    params: { type: 'object', required: ['code'], properties: { code: CODE } },
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        version: { type: 'integer', minimum: 1, maximum: 999_999 },
        prove: { type: 'string', enum: ['true', 'false'] },
      },
    },
    responses: {
      200: { description: 'the item', schema: ItemAnswer },
      400: INVALID,
      404: err('no such item (SERVICE_ITEM_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/service/cases/:caseId',
    operationId: 'serviceCase',
    summary: 'A case (办件): its status, deadline, first steps and sub-cases',
    description:
      'With prove=true the answer carries the state proof of the case record. `steps` is the first page of ' +
      'the steps; when `stepsNext` is not null, /v1/service/cases/{caseId}/steps?after=<stepsNext> continues.',
    tag: SERVICE_MODULE,
    params: { type: 'object', required: ['caseId'], properties: { caseId: HEX32_PARAM } },
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { prove: { type: 'string', enum: ['true', 'false'] } },
    },
    responses: {
      200: { description: 'the case', schema: CaseAnswer },
      400: INVALID,
      404: err('no such case (SERVICE_CASE_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/service/cases/:caseId/steps',
    operationId: 'serviceCaseSteps',
    summary: 'A case’s steps, oldest first, one page',
    description: 'Pass the answer’s `next` as `after` for the next page; null at the last step.',
    tag: SERVICE_MODULE,
    params: { type: 'object', required: ['caseId'], properties: { caseId: HEX32_PARAM } },
    querystring: { type: 'object', additionalProperties: false, properties: SEQUENCE_QUERY_PROPERTIES },
    responses: {
      200: { description: 'the steps', schema: StepPage },
      400: INVALID,
      404: err('no such case (SERVICE_CASE_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/service/cases',
    operationId: 'serviceCases',
    summary: 'A department’s work queue, or an item’s cases, newest first, one page',
    description:
      'org: the handling department (受理 / 审批 queue); item: a service item code. status filters; ' +
      'overdue=true keeps only cases past their deadline.',
    tag: SERVICE_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        org: { type: 'string', maxLength: 64 },
        item: CODE,
        status: { type: 'string', enum: [...CASE_STATUSES] },
        overdue: { type: 'string', enum: ['true', 'false'] },
        after: CURSOR,
        limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX },
      },
    },
    responses: { 200: { description: 'one page', schema: CasePage }, 400: INVALID, 500: INTERNAL },
  },
  {
    method: 'POST',
    url: '/v1/service/auth/challenge',
    operationId: 'serviceChallenge',
    summary: 'A single-use challenge for "my cases"',
    description: 'Sign utf8("govchain/service-my-cases/v1\\n" + chainId + "\\n" + did + "\\n" + challenge).',
    tag: SERVICE_MODULE,
    responses: {
      200: {
        description: 'the challenge',
        schema: ServiceChallengeAnswer,
      },
      429: err('too many outstanding challenges from this client address (CLIENT_CHALLENGE_LIMIT)'),
      503: err('too many outstanding challenges (TOO_MANY_CONNECTIONS)'),
    },
  },
  {
    method: 'POST',
    url: '/v1/service/my-cases',
    operationId: 'serviceMyCases',
    summary: '我的办件: an applicant’s own cases, signed by a current key of their DID',
    description: 'Newest first; pass `next` as `after` for the next page.',
    tag: SERVICE_MODULE,
    body: {
      type: 'object',
      required: ['did', 'publicKey', 'challenge', 'signature'],
      additionalProperties: false,
      properties: {
        did: { type: 'string', pattern: DID_PATTERN.source },
        publicKey: PUBLIC_KEY_PARAM,
        challenge: HEX32_PARAM,
        signature: SIGNATURE_PARAM,
        after: CURSOR,
        limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX },
      },
    },
    responses: {
      200: { description: 'one page of the applicant’s cases', schema: CasePage },
      400: INVALID,
      401: err('unknown, expired or used challenge, bad signature, or not a key of the DID (SERVICE_AUTH_FAILED)'),
      500: INTERNAL,
    },
  },
]

interface ItemsQuery {
  q?: string
  org?: string
  after?: string
  limit?: number
}

interface CasesQuery {
  org?: string
  item?: string
  status?: string
  overdue?: string
  after?: string
  limit?: number
}

interface MyCasesBody {
  did: string
  publicKey: string
  challenge: string
  signature: string
  after?: string
  limit?: number
}

/** The service routes' work: the hall's items, cases and work queues, and an applicant's own cases. */
class ServiceApi {
  private readonly challenges = new ChallengeStore()

  constructor(private readonly ctx: ModuleApiContext) {}

  private keeper(): ServiceKeeper {
    return this.ctx.keeper<ServiceKeeper>(serviceRef)
  }

  register(app: ApiRouteApp, spec: ApiRouteSpec): void {
    this.registerItems(app, spec)
    this.registerCases(app, spec)
  }

  /** The service hall: the item list and one item with its guide's parts. */
  private registerItems(app: ApiRouteApp, spec: ApiRouteSpec): void {
    app.route<{ Querystring: ItemsQuery }>({
      ...spec('serviceItems'),
      handler: async (request) => this.itemPage(request.query),
    })
    app.route<{ Params: { code: string }; Querystring: { version?: number; prove?: string } }>({
      ...spec('serviceItem'),
      handler: async (request) => this.item(request.params.code, request.query.version, request.query.prove === 'true'),
    })
  }

  /** Cases: one case, a department's queue, and an applicant's own cases behind a signed challenge. */
  private registerCases(app: ApiRouteApp, spec: ApiRouteSpec): void {
    app.route<{ Params: { caseId: string }; Querystring: { prove?: string } }>({
      ...spec('serviceCase'),
      handler: async (request) => this.caseAnswer(fromHex(request.params.caseId), request.query.prove === 'true'),
    })
    app.route<{ Params: { caseId: string }; Querystring: SequenceQuery }>({
      ...spec('serviceCaseSteps'),
      handler: async (request) => {
        const id = fromHex(request.params.caseId)
        const c = this.keeper().case(id)
        if (c === undefined) throw new GovchainError('SERVICE_CASE_NOT_FOUND')
        const page = this.stepPage(c, request.query.after, request.query.limit)
        return { caseId: request.params.caseId, steps: page.items, next: page.next }
      },
    })
    app.route<{ Querystring: CasesQuery }>({
      ...spec('serviceCases'),
      handler: async (request) => this.cases(request.query),
    })
    app.route({
      ...spec('serviceChallenge'),
      handler: async (request) => this.challenges.issue(clientAddressKey(request.ip)),
    })
    app.route<{ Body: MyCasesBody }>({
      ...spec('serviceMyCases'),
      handler: async (request) => {
        const b = request.body
        this.authenticate(b)
        return this.casePage(SERVICE_INDEX.byApplicant(b.did), b.after, b.limit ?? 50, () => true)
      },
    })
  }

  private itemCodes(): string[] {
    const s = this.ctx.state(SERVICE_MODULE, SERVICE_KEYS.itemList(), { prove: false })
    return s.value === undefined ? [] : codec.decode(ItemList, s.value)
  }

  /** One page of items in code order, filtered by department and a case-insensitive search. */
  private itemPage(query: ItemsQuery): { items: ItemView[]; next: string | null } {
    const { q, org, after } = query
    const limit = query.limit ?? 50
    const needle = q?.trim().toLowerCase()
    const codes = this.itemCodes().sort()
    const out: ItemView[] = []
    let next: string | null = null
    for (const code of codes) {
      if (after !== undefined && code <= after) continue
      const item = this.keeper().item(code)
      if (item === undefined) continue
      if (org !== undefined && item.ownerOrg !== org) continue
      if (
        needle !== undefined &&
        needle !== '' &&
        !`${item.code}\n${item.title}\n${item.titleEn}`.toLowerCase().includes(needle)
      ) {
        continue
      }
      if (out.length === limit) {
        next = out[out.length - 1]!.code
        break
      }
      out.push(renderItem(item))
    }
    return { items: out, next }
  }

  private item(code: string, wanted: number | undefined, prove: boolean) {
    const k = this.keeper()
    const head = k.item(code)
    const version = wanted ?? head?.version
    if (head === undefined || version === undefined) throw new GovchainError('SERVICE_ITEM_NOT_FOUND')
    const s = this.ctx.state(SERVICE_MODULE, SERVICE_KEYS.item(code, version), { prove })
    if (s.value === undefined) throw new GovchainError('SERVICE_ITEM_NOT_FOUND')
    const item = codec.decode(ServiceItemRecord, s.value)
    const parts = item.parts.flatMap((part) => {
      const p = k.item(part)
      return p === undefined ? [] : [renderItem(p)]
    })
    return { item: renderItem(item), parts, state: stateJson(s) }
  }

  private caseAnswer(id: Uint8Array, prove: boolean) {
    const s = this.ctx.state(SERVICE_MODULE, SERVICE_KEYS.case(id), { prove })
    if (s.value === undefined) throw new GovchainError('SERVICE_CASE_NOT_FOUND')
    const c = codec.decode(CaseRecord, s.value)
    const now = this.ctx.latestTimeMs()
    const k = this.keeper()
    const steps = this.stepPage(c, undefined, undefined)
    return {
      case: renderCase(c, now),
      steps: steps.items,
      stepsNext: steps.next,
      parts: c.parts.flatMap((p) => {
        const part = k.case(p)
        return part === undefined ? [] : [renderCase(part, now)]
      }),
      state: stateJson(s),
    }
  }

  /** One page of a case's steps (every number below historyCount has its step). */
  private stepPage(c: CaseRecord, after: string | undefined, limit: number | undefined) {
    const k = this.keeper()
    return sequencePage({
      count: c.historyCount,
      after,
      limit,
      what: 'case step',
      read: (seq) => {
        const step = k.step(c.caseId, seq)
        return step === undefined ? undefined : renderStep(step, seq)
      },
    })
  }

  /** A department's work queue, by organisation or by item. */
  private cases(q: CasesQuery): { cases: CaseView[]; next: string | null } {
    if ((q.org === undefined) === (q.item === undefined)) {
      throw new GovchainError('INVALID_ARGUMENT', 'give org or item (one of them)')
    }
    const prefix = q.org !== undefined ? SERVICE_INDEX.byOrg(q.org) : SERVICE_INDEX.byItem(q.item!)
    return this.casePage(
      prefix,
      q.after,
      q.limit ?? 50,
      (c) => (q.status === undefined || c.status === q.status) && (q.overdue !== 'true' || c.overdue),
    )
  }

  /** 我的办件's caller: the challenge is spent and signed by a current key of the DID. */
  private authenticate(b: MyCasesBody): void {
    const publicKey = fromHex(b.publicKey)
    const ok =
      this.challenges.consume(b.challenge) &&
      this.ctx.suite.verify(publicKey, myCasesMessage(this.ctx.chainId, b.did, b.challenge), fromHex(b.signature)) &&
      this.ctx.keeper(identityRef).isDidKey(b.did, publicKey)
    if (!ok) throw new GovchainError('SERVICE_AUTH_FAILED')
  }

  private caseAt(id: Uint8Array, now: number): CaseView | undefined {
    const c = this.keeper().case(id)
    return c === undefined ? undefined : renderCase(c, now)
  }

  /** One page of a case index, newest first (the cursor is the hex of the last key suffix examined). */
  private casePage(
    prefix: Uint8Array,
    after: string | undefined,
    limit: number,
    keep: (c: CaseView) => boolean,
  ): { cases: CaseView[]; next: string | null } {
    const now = this.ctx.latestTimeMs()
    const page = seekPage({
      scan: (pre, n, from) => this.ctx.scanIndex(pre, n, from),
      prefix: concatBytes(utf8(`${SERVICE_MODULE}/`), prefix),
      after: after === undefined ? undefined : fromHex(after),
      limit,
      take: ({ suffix }) => {
        const c = this.caseAt(suffix.subarray(suffix.length - 32), now)
        return c !== undefined && keep(c) ? c : undefined
      },
    })
    return { cases: page.items, next: page.next === null ? null : toHex(page.next) }
  }
}

export function serviceApi(ctx: ModuleApiContext): ApiExtension {
  const api = new ServiceApi(ctx)
  return { name: SERVICE_MODULE, routes: SERVICE_ROUTES, register: (app, spec) => api.register(app, spec) }
}
