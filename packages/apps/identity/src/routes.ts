/**
 * The identity module's API routes: organisations, officers (with their change history) and
 * DID resolution (W3C DID Core documents, with a state proof on request).
 */

import type { ApiExtension, ModuleApiContext } from '@govchain/app'
import {
  err,
  ID_PARAM,
  INTERNAL,
  INVALID,
  type JsonSchema,
  type RouteSpec,
  SEQUENCE_QUERY_PROPERTIES,
  type SequenceQuery,
  sequencePage,
  stateJson,
} from '@govchain/app'
import { codec, GovchainError } from '@govchain/core'
import { identityReaders, renderOfficer, renderOfficerHistory, renderOrganisation } from './module.ts'
import {
  DID_PATTERN,
  DidRecord,
  didDocument,
  IDENTITY_MODULE,
  identityKeys,
  OfficerHistoryEntry,
  OfficerRecord,
  OrganisationRecord,
} from './schema.ts'
import {
  DidAnswer,
  OfficerDetail,
  OfficerHistoryPage,
  OfficersAnswer,
  OrganisationAnswer,
  OrganisationsAnswer,
} from './views.ts'

const proveQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prove: { type: 'boolean', default: false, description: 'include the generic state proof fields (`proof`)' },
  },
}

const OFFICER_PARAMS = {
  type: 'object',
  required: ['officerId'],
  additionalProperties: false,
  properties: { officerId: ID_PARAM },
}

export const IDENTITY_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/organisations',
    operationId: 'identityListOrganisations',
    summary: 'Organisations (departments) of the consortium',
    description: 'Every organisation ever registered, in registration order, with its status at the latest height.',
    tag: IDENTITY_MODULE,
    responses: {
      200: {
        description: 'organisations',
        schema: OrganisationsAnswer,
      },
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/organisations/:orgId',
    operationId: 'identityGetOrganisation',
    summary: 'An organisation',
    description: 'With its CA certificate and operator key; `prove=true` adds the state proof of its record.',
    tag: IDENTITY_MODULE,
    params: { type: 'object', required: ['orgId'], additionalProperties: false, properties: { orgId: ID_PARAM } },
    querystring: proveQuery,
    responses: {
      200: {
        description: 'the organisation',
        schema: OrganisationAnswer,
      },
      400: INVALID,
      404: err('no such organisation (IDENTITY_ORG_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/organisations/:orgId/officers',
    operationId: 'identityListOfficers',
    summary: 'Officers of an organisation',
    description: 'In creation order, with roles and status.',
    tag: IDENTITY_MODULE,
    params: { type: 'object', required: ['orgId'], additionalProperties: false, properties: { orgId: ID_PARAM } },
    responses: {
      200: {
        description: 'officers',
        schema: OfficersAnswer,
      },
      400: INVALID,
      404: err('no such organisation (IDENTITY_ORG_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/officers/:officerId',
    operationId: 'identityGetOfficer',
    summary: 'An officer with the first page of its change history',
    description:
      'Who added, suspended, reinstated or rotated the officer, and when. When `historyNext` is not null, ' +
      '/v1/officers/{officerId}/history?after=<historyNext> continues.',
    tag: IDENTITY_MODULE,
    params: OFFICER_PARAMS,
    responses: {
      200: { description: 'the officer', schema: OfficerDetail },
      400: INVALID,
      404: err('no such officer (IDENTITY_OFFICER_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/officers/:officerId/history',
    operationId: 'identityOfficerHistory',
    summary: 'An officer’s change history, oldest first, one page',
    description: 'Pass the answer’s `next` as `after` for the next page; null at the last change.',
    tag: IDENTITY_MODULE,
    params: OFFICER_PARAMS,
    querystring: { type: 'object', additionalProperties: false, properties: SEQUENCE_QUERY_PROPERTIES },
    responses: {
      200: { description: 'the changes', schema: OfficerHistoryPage },
      400: INVALID,
      404: err('no such officer (IDENTITY_OFFICER_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/dids/:did',
    operationId: 'identityResolveDid',
    summary: 'Resolve a DID (W3C DID Core)',
    description:
      'The DID document and its metadata. With `prove=true`, `proof` carries the generic state proof fields ' +
      '(as GET /v1/state/identity/{key}?prove=true) for the raw DID record under `did/<did>`: verify it with ' +
      'a light client, then decode the record (SDK: verifyDidResolution).',
    tag: IDENTITY_MODULE,
    params: {
      type: 'object',
      required: ['did'],
      additionalProperties: false,
      properties: { did: { type: 'string', pattern: DID_PATTERN.source, description: 'did:govchain:<id>' } },
    },
    querystring: proveQuery,
    responses: {
      200: {
        description: 'the resolution result',
        schema: DidAnswer,
      },
      400: INVALID,
      404: err('no such DID (IDENTITY_DID_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
]

const { decode } = codec

export function identityApi(ctx: ModuleApiContext): ApiExtension {
  const read = (key: Uint8Array, prove = false) => ctx.state(IDENTITY_MODULE, key, { prove })
  const readList = (key: Uint8Array): string[] => {
    const v = read(key).value
    return v === undefined ? [] : decode(identityReaders.IdList, v)
  }
  const height = () => ctx.latestHeight()
  return {
    name: IDENTITY_MODULE,
    routes: IDENTITY_ROUTES,
    register(app, spec) {
      app.route({
        ...spec('identityListOrganisations'),
        handler: async () => {
          const h = height()
          if (h === 0) return { height: 0, organisations: [] }
          const organisations = readList(identityKeys.orgList()).flatMap((id) => {
            const v = read(identityKeys.org(id)).value
            return v === undefined ? [] : [renderOrganisation(decode(OrganisationRecord, v), h + 1)]
          })
          return { height: h, organisations }
        },
      })
      app.route<{ Params: { orgId: string }; Querystring: { prove: boolean } }>({
        ...spec('identityGetOrganisation'),
        handler: async (request) => {
          if (height() === 0) throw new GovchainError('IDENTITY_ORG_NOT_FOUND')
          const view = read(identityKeys.org(request.params.orgId), request.query.prove)
          if (view.value === undefined) throw new GovchainError('IDENTITY_ORG_NOT_FOUND')
          return {
            organisation: renderOrganisation(decode(OrganisationRecord, view.value), height() + 1),
            proof: request.query.prove ? stateJson(view) : null,
          }
        },
      })
      app.route<{ Params: { orgId: string } }>({
        ...spec('identityListOfficers'),
        handler: async (request) => {
          if (height() === 0 || read(identityKeys.org(request.params.orgId)).value === undefined) {
            throw new GovchainError('IDENTITY_ORG_NOT_FOUND')
          }
          const officers = readList(identityKeys.orgOfficers(request.params.orgId)).flatMap((id) => {
            const v = read(identityKeys.officer(id)).value
            return v === undefined ? [] : [renderOfficer(decode(OfficerRecord, v))]
          })
          return { officers }
        },
      })
      /** The officer's record, or IDENTITY_OFFICER_NOT_FOUND. */
      const officer = (id: string): OfficerRecord => {
        const v = height() === 0 ? undefined : read(identityKeys.officer(id)).value
        if (v === undefined) throw new GovchainError('IDENTITY_OFFICER_NOT_FOUND')
        return decode(OfficerRecord, v)
      }
      /** One page of its history (every number below historyLength has its entry). */
      const historyPage = (r: OfficerRecord, after?: string, limit?: number) =>
        sequencePage({
          count: r.historyLength,
          after,
          limit,
          what: 'officer history entry',
          read: (seq) => {
            const e = read(identityKeys.officerHistory(r.officerId, seq)).value
            return e === undefined ? undefined : renderOfficerHistory(decode(OfficerHistoryEntry, e))
          },
        })
      app.route<{ Params: { officerId: string } }>({
        ...spec('identityGetOfficer'),
        handler: async (request) => {
          const r = officer(request.params.officerId)
          const page = historyPage(r)
          return {
            ...renderOfficer(r),
            createdHeight: r.createdHeight,
            updatedHeight: r.updatedHeight,
            history: page.items,
            historyNext: page.next,
          }
        },
      })
      app.route<{ Params: { officerId: string }; Querystring: SequenceQuery }>({
        ...spec('identityOfficerHistory'),
        handler: async (request) => {
          const r = officer(request.params.officerId)
          const page = historyPage(r, request.query.after, request.query.limit)
          return { officerId: r.officerId, items: page.items, next: page.next }
        },
      })
      app.route<{ Params: { did: string }; Querystring: { prove: boolean } }>({
        ...spec('identityResolveDid'),
        handler: async (request) => {
          const { did } = request.params
          const view = height() === 0 ? undefined : read(identityKeys.did(did), request.query.prove)
          if (view?.value === undefined) throw new GovchainError('IDENTITY_DID_NOT_FOUND', undefined, { did })
          const record = decode(DidRecord, view.value)
          return {
            ...didDocument(ctx.suite.name, record),
            proof: request.query.prove ? stateJson(view) : null,
          }
        },
      })
    },
  }
}
