/**
 * The OpenAPI 3.1 document, generated from the route table and schemas the server enforces
 * (schemas.ts). Named schemas become components and are referred to by $ref wherever the same
 * object is reused, so the document reads like a hand-written one.
 */
import { type ErrorInfo, errorCodes, errorInfo } from '@govchain/core'
import { COMPONENTS, type JsonSchema, ROUTES, type RouteSpec } from './schemas.ts'

export interface OpenApiOptions {
  /** API version shown in info.version; default the package version. */
  version?: string
  /** Base URL listed under servers; omitted when unknown (the document is then relative to where it is served). */
  serverUrl?: string
  /** Routes added by modules (ApiExtension), documented like the core routes under their module's tag. */
  extraRoutes?: readonly RouteSpec[]
}

export type OpenApiDocument = { openapi: '3.1.0'; [key: string]: unknown }

const NAME_OF = new Map<object, string>(Object.entries(COMPONENTS).map(([name, schema]) => [schema, name]))

/** Deep copy of a schema in which every nested named schema is replaced by a $ref to its component. */
function refify(schema: unknown, top: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => refify(s, false))
  if (schema === null || typeof schema !== 'object') return schema
  const name = NAME_OF.get(schema)
  if (!top && name !== undefined) return { $ref: `#/components/schemas/${name}` }
  const out: JsonSchema = {}
  for (const [k, v] of Object.entries(schema)) out[k] = refify(v, false)
  return out
}

const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

function parameters(route: RouteSpec): unknown[] {
  const out: unknown[] = []
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.querystring],
  ] as const) {
    if (schema === undefined) continue
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>
    const required = new Set((schema.required ?? []) as string[])
    for (const [name, prop] of Object.entries(props)) {
      const { description, ...rest } = prop
      const p: JsonSchema = {
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema: refify(rest, false),
      }
      if (typeof description === 'string') p.description = description
      out.push(p)
    }
  }
  return out
}

function operation(route: RouteSpec): JsonSchema {
  const op: JsonSchema = {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: [route.tag],
  }
  const params = parameters(route)
  if (params.length > 0) op.parameters = params
  if (route.body !== undefined) {
    op.requestBody = { required: true, content: { 'application/json': { schema: refify(route.body, false) } } }
  }
  const responses: JsonSchema = {}
  for (const [status, spec] of Object.entries(route.responses)) {
    const r: JsonSchema = { description: spec.description }
    if (spec.schema !== undefined) r.content = { 'application/json': { schema: refify(spec.schema, false) } }
    else if (spec.contentType !== undefined) {
      const mediaType = spec.contentType.split(';')[0]!.trim()
      r.content = {
        [mediaType]: { schema: mediaType === 'application/json' ? { type: 'object' } : { type: 'string' } },
      }
    }
    responses[status] = r
  }
  op.responses = responses
  return op
}

function errorCatalogue(): Record<string, ErrorInfo> {
  return Object.fromEntries(errorCodes().map((code) => [code, errorInfo(code) as ErrorInfo]))
}

function errorTable(): string {
  // Core's codes and every registered module's (errorCodes), as the answers can carry them.
  const rows = Object.entries(errorCatalogue()).map(([code, e]) => `| \`${code}\` | ${e.http} | ${e.message} |`)
  return ['| code | HTTP status | meaning |', '| --- | --- | --- |', ...rows].join('\n')
}

export function buildOpenApiDocument(opts: OpenApiOptions = {}): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of [...ROUTES, ...(opts.extraRoutes ?? [])]) {
    const path = openApiPath(route.url)
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = operation(route)
  }
  const schemas: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(COMPONENTS)) schemas[name] = refify(schema, true)
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'govchain validator node API',
      version: opts.version ?? '0.1.0',
      description: [
        'JSON over HTTP, plus a WebSocket event stream, served by every govchain node.',
        '',
        'Bytes are rendered as lowercase hex for hashes, keys and public keys, and as standard base64 for',
        'encoded blobs (transactions, headers, certificates, proofs, validator sets).',
        '',
        'Every error answer is `{code, message, details?}` with a stable `code`; the HTTP status follows',
        'from the code. Unknown failures answer 500 `INTERNAL` without internals (the node logs them).',
        '',
        '## Error codes',
        '',
        errorTable(),
      ].join('\n'),
    },
    tags: [
      { name: 'chain', description: 'status, blocks and validators' },
      { name: 'transactions', description: 'submit and follow transactions' },
      { name: 'state', description: 'module state with proofs' },
      { name: 'events', description: 'WebSocket event stream' },
      { name: 'operations', description: 'health, metrics and this documentation' },
      ...[...new Set((opts.extraRoutes ?? []).map((r) => r.tag))].map((name) => ({
        name,
        description: `module ${name}`,
      })),
    ],
    paths,
    components: { schemas },
    'x-error-catalogue': errorCatalogue(),
  }
  if (opts.serverUrl !== undefined) doc.servers = [{ url: opts.serverUrl }]
  return doc
}
