/**
 * The catalogue's API routes (docs/sharing-api.md): browse and search resources, read versions
 * (with state proofs), and the organisations' gateways.
 */

import type { ApiExtension, ModuleApiContext } from '@govchain/app'
import { err, ID_PARAM, INTERNAL, INVALID, type RouteSpec, seekPage, stateJson } from '@govchain/app'
import { codec, GovchainError, utf8 } from '@govchain/core'
import { CATALOG_INDEX_ALL, type CatalogKeeper, renderGateway, renderResourceVersion } from './module.ts'
import { CATALOG_MODULE, catalogVersionKey, type GatewayRecord, ResourceVersion, SHARE_TYPES } from './schema.ts'
import {
  GatewayAnswer,
  GatewaysAnswer,
  ResourceAnswer,
  ResourcePage,
  type ResourceVersionView,
  VersionAnswer,
  VersionsAnswer,
} from './views.ts'

const resourceIdParam = { type: 'string', pattern: '^[a-z][a-z0-9_.-]{2,63}$' }
const limitText = { type: 'string', pattern: '^([1-9]|[1-9][0-9]|100)$', description: '1..100, default 50' }
const proveText = { type: 'string', enum: ['true', 'false'] }

export const CATALOG_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/catalog/resources',
    operationId: 'catalogListResources',
    summary: 'Browse and search the data catalogue',
    description: 'Latest version of each resource; `q` searches title, description and field names/labels.',
    tag: CATALOG_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        q: { type: 'string', maxLength: 128 },
        owner: ID_PARAM,
        shareType: { type: 'string', enum: [...SHARE_TYPES] },
        limit: limitText,
        after: resourceIdParam,
      },
    },
    responses: {
      200: {
        description: 'resources',
        schema: ResourcePage,
      },
      400: INVALID,
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/catalog/resources/:resourceId',
    operationId: 'catalogGetResource',
    summary: 'A resource (latest version)',
    description: 'The latest version and the number of versions.',
    tag: CATALOG_MODULE,
    params: { type: 'object', required: ['resourceId'], properties: { resourceId: resourceIdParam } },
    responses: {
      200: {
        description: 'the resource',
        schema: ResourceAnswer,
      },
      400: INVALID,
      404: err('no such resource (CATALOG_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/catalog/resources/:resourceId/versions',
    operationId: 'catalogListVersions',
    summary: 'Every version of a resource, oldest first',
    description: 'Versions are never overwritten.',
    tag: CATALOG_MODULE,
    params: { type: 'object', required: ['resourceId'], properties: { resourceId: resourceIdParam } },
    responses: {
      200: {
        description: 'versions',
        schema: VersionsAnswer,
      },
      400: INVALID,
      404: err('no such resource (CATALOG_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/catalog/resources/:resourceId/versions/:version',
    operationId: 'catalogGetVersion',
    summary: 'One version, optionally with a state proof',
    description: 'With prove=true, `proof` proves the stored version against a committed state root.',
    tag: CATALOG_MODULE,
    params: {
      type: 'object',
      required: ['resourceId', 'version'],
      properties: { resourceId: resourceIdParam, version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
    },
    querystring: { type: 'object', additionalProperties: false, properties: { prove: proveText } },
    responses: {
      200: {
        description: 'the version',
        schema: VersionAnswer,
      },
      400: INVALID,
      404: err('no such version (CATALOG_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/catalog/gateways',
    operationId: 'catalogListGateways',
    summary: 'Registered data gateways',
    description: 'One per organisation that registered one.',
    tag: CATALOG_MODULE,
    responses: {
      200: {
        description: 'gateways',
        schema: GatewaysAnswer,
      },
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/catalog/gateways/:orgId',
    operationId: 'catalogGetGateway',
    summary: 'An organisation’s data gateway',
    description: 'URL, TLS certificate fingerprint and chain key.',
    tag: CATALOG_MODULE,
    params: { type: 'object', required: ['orgId'], properties: { orgId: ID_PARAM } },
    responses: {
      200: {
        description: 'the gateway',
        schema: GatewayAnswer,
      },
      400: INVALID,
      404: err('no gateway (CATALOG_GATEWAY_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
]

/** The index of every resource id, in id order (node-local). */
function resourceIndexPrefix(): Uint8Array {
  return new Uint8Array([...utf8(`${CATALOG_MODULE}/`), ...CATALOG_INDEX_ALL])
}

export function catalogApi(ctx: ModuleApiContext): ApiExtension {
  const keeper = (): CatalogKeeper => ctx.keeper<CatalogKeeper>(CATALOG_MODULE)
  const withGateway = (v: ResourceVersion, k: CatalogKeeper) => renderResourceVersion(v, k.gateway(v.ownerOrg))
  return {
    name: CATALOG_MODULE,
    routes: CATALOG_ROUTES,
    register(app, spec) {
      app.route<{ Querystring: { q?: string; owner?: string; shareType?: string; limit?: string; after?: string } }>({
        ...spec('catalogListResources'),
        handler: async (request) => {
          const { q, owner, shareType, after } = request.query
          const limit = Number(request.query.limit ?? 50)
          const k = keeper()
          const needle = q?.trim().toLowerCase() ?? ''
          const dec = new TextDecoder()
          // Seek-cursor paging over the id index: no browse stops at a fixed scan size.
          const page = seekPage({
            scan: (pre, n, from) => ctx.scanIndex(pre, n, from),
            prefix: resourceIndexPrefix(),
            after: after === undefined ? undefined : utf8(after),
            limit,
            take: ({ suffix }) => {
              const v = k.latest(dec.decode(suffix))
              if (v === undefined) return undefined
              if (owner !== undefined && v.ownerOrg !== owner) return undefined
              if (shareType !== undefined && v.shareType !== shareType) return undefined
              if (needle !== '') {
                const text = [v.resourceId, v.title, v.description, ...v.fields.flatMap((f) => [f.name, f.label])]
                  .join('\n')
                  .toLowerCase()
                if (!text.includes(needle)) return undefined
              }
              return withGateway(v, k)
            },
          })
          return { resources: page.items, next: page.next === null ? null : dec.decode(page.next) }
        },
      })
      app.route<{ Params: { resourceId: string } }>({
        ...spec('catalogGetResource'),
        handler: async (request) => {
          const k = keeper()
          const head = k.head(request.params.resourceId)
          const v = head === undefined ? undefined : k.version(head.resourceId, head.latest)
          if (head === undefined || v === undefined) throw new GovchainError('CATALOG_NOT_FOUND')
          return { resource: withGateway(v, k), versions: head.latest }
        },
      })
      app.route<{ Params: { resourceId: string } }>({
        ...spec('catalogListVersions'),
        handler: async (request) => {
          const k = keeper()
          const head = k.head(request.params.resourceId)
          if (head === undefined) throw new GovchainError('CATALOG_NOT_FOUND')
          const versions: ResourceVersionView[] = []
          for (let n = 1; n <= head.latest; n++) {
            const v = k.version(head.resourceId, n)
            if (v !== undefined) versions.push(withGateway(v, k))
          }
          return { versions }
        },
      })
      app.route<{ Params: { resourceId: string; version: string }; Querystring: { prove?: string } }>({
        ...spec('catalogGetVersion'),
        handler: async (request) => {
          const key = catalogVersionKey(request.params.resourceId, Number(request.params.version))
          const prove = request.query.prove === 'true'
          const view = ctx.state(CATALOG_MODULE, key, { prove })
          if (view.value === undefined) throw new GovchainError('CATALOG_NOT_FOUND')
          const v = codec.decode(ResourceVersion, view.value)
          return { version: withGateway(v, keeper()), proof: prove ? stateJson(view) : null }
        },
      })
      app.route({
        ...spec('catalogListGateways'),
        handler: async () => {
          const k = keeper()
          const orgs = new Set<string>()
          // Every organisation (resource owners and consumers alike) is identity's; at most 256.
          try {
            const identity = ctx.keeper<{ organisations?: () => { id: string }[] }>('identity')
            for (const o of identity.organisations?.() ?? []) orgs.add(o.id)
          } catch {
            // identity module without a listing: resource owners only
          }
          const gateways = [...orgs]
            .sort()
            .map((o) => k.gateway(o))
            .filter((g): g is GatewayRecord => g !== undefined)
            .map(renderGateway)
          return { gateways }
        },
      })
      app.route<{ Params: { orgId: string } }>({
        ...spec('catalogGetGateway'),
        handler: async (request) => {
          const g = keeper().gateway(request.params.orgId)
          if (g === undefined) throw new GovchainError('CATALOG_GATEWAY_NOT_FOUND')
          return { gateway: renderGateway(g) }
        },
      })
    },
  }
}
