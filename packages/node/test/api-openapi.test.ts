import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ModuleApiContext, PUBLIC_KEY_PARAM, SIGNATURE_PARAM } from '@govchain/app'
import { errorCodes, errorInfo, ID_PATTERN, isErrorCode } from '@govchain/core'
// The applications register their error codes when loaded, as in a node that runs them.
import { defaultModules } from '@govchain/distribution'
import { DID_PATTERN } from '@govchain/identity/schema'
import { compileErrors, validate } from '@readme/openapi-parser'
import { buildOpenApiDocument, createApiServer, ROUTES } from '../src/api/index.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { FakeBackend, memoryLogger } from '../src/testing/fake-backend.ts'

async function served(): Promise<Record<string, unknown>> {
  const server = createApiServer({
    backend: new FakeBackend(),
    metrics: new NodeMetrics({ processMetrics: false }),
    logger: memoryLogger().logger,
    host: '127.0.0.1',
    port: 0,
  })
  const res = await server.inject({ method: 'GET', url: '/openapi.json' })
  await server.close()
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^application\/json/)
  return res.json()
}

test('/openapi.json is a valid OpenAPI 3.1 document', async () => {
  const doc = await served()
  assert.equal(doc.openapi, '3.1.0')
  // The validator dereferences in place: give it a copy.
  const result = await validate(structuredClone(doc) as never)
  assert.ok(result.valid, result.valid ? '' : compileErrors(result))
  assert.deepEqual(doc, JSON.parse(JSON.stringify(buildOpenApiDocument())), 'served document is the built one')
})

test('every route is documented with its parameters, body and error responses', async () => {
  const doc = (await served()) as { paths: Record<string, Record<string, Record<string, unknown>>> }
  assert.equal(ROUTES.length, 16)
  for (const route of ROUTES) {
    const path = route.url.replace(/:(\w+)/g, '{$1}')
    const op = doc.paths[path]?.[route.method.toLowerCase()]
    assert.ok(op, `${route.method} ${path} is documented`)
    const params = (op.parameters ?? []) as { name: string; in: string }[]
    for (const name of Object.keys((route.params?.properties ?? {}) as object)) {
      assert.ok(
        params.some((p) => p.name === name && p.in === 'path'),
        `${path} documents path param ${name}`,
      )
    }
    for (const name of Object.keys((route.querystring?.properties ?? {}) as object)) {
      assert.ok(
        params.some((p) => p.name === name && p.in === 'query'),
        `${path} documents query param ${name}`,
      )
    }
    if (route.body !== undefined) assert.ok(op.requestBody, `${path} documents its body`)
    const responses = op.responses as Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>
    for (const [status, r] of Object.entries(responses)) {
      const ref = r.content?.['application/json']?.schema.$ref
      if (Number(status) >= 400 && path !== '/healthz')
        assert.equal(ref, '#/components/schemas/Error', `${path} ${status}`)
    }
  }
  const wanted = [
    'GET /v1/status',
    'GET /v1/blocks/{height}',
    'GET /v1/blocks/latest',
    'POST /v1/txs',
    'POST /v1/txs/batch',
    'GET /v1/txs/{hash}',
    'GET /v1/state/{module}/{key}',
    'GET /v1/validators',
    'GET /v1/events',
    'GET /healthz',
    'GET /metrics',
    'GET /openapi.json',
    'GET /docs',
  ]
  for (const w of wanted) {
    const [method, path] = w.split(' ') as [string, string]
    assert.ok(doc.paths[path]?.[method.toLowerCase()], w)
  }
})

test('the error code list is the catalogue', async () => {
  const doc = (await served()) as {
    components: { schemas: Record<string, { enum?: string[] }> }
    'x-error-catalogue': Record<string, { http: number }>
    info: { description: string }
  }
  // Core's codes and the modules' registered ones (e.g. LICENSE_NOT_FOUND), all documented.
  assert.deepEqual(doc.components.schemas.ErrorCode?.enum, errorCodes())
  assert.ok(errorCodes().includes('LICENSE_NOT_FOUND') && errorCodes().includes('TX_MALFORMED'))
  assert.deepEqual(Object.keys(doc['x-error-catalogue']), errorCodes())
  for (const code of errorCodes()) {
    const e = errorInfo(code)!
    assert.equal(doc['x-error-catalogue'][code]?.http, e.http, code)
    assert.ok(doc.info.description.includes(`| \`${code}\` | ${e.http} |`), code)
  }
  for (const code of ['TX_NOT_FOUND', 'BLOCK_NOT_FOUND', 'INTERNAL', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED']) {
    assert.ok(isErrorCode(code), code)
  }
})

/** Every application's routes, as the daemon passes them (route tables are data: no context is used to list them). */
function moduleRoutes() {
  return defaultModules().flatMap((m) => (m.routes === undefined ? [] : m.routes({} as ModuleApiContext).routes))
}

type Schema = { [key: string]: unknown }

/**
 * The rule each kind of identifier follows on every route: the chain's own (an organisation or
 * officer id, core's ID_PATTERN; a DID, identity's DID_PATTERN) and the route kit's hex forms.
 * Checked over the path, query and top-level body properties; documents carried inside a body (a
 * credential, an invoice file) are checked by their own verifiers.
 */
const IDENTIFIER_RULES: [RegExp, string][] = [
  [/^(orgId|officerId|owner|consumer|provider|issuer|issuerOrg)$/, ID_PATTERN.source],
  [/^(did|holder)$/, DID_PATTERN.source],
  [/^(publicKey|key)$/, PUBLIC_KEY_PARAM.pattern],
  [/^(signature|sig)$/, SIGNATURE_PARAM.pattern],
]

test('an identifier follows one rule on every route (organisation ids, DIDs, keys, signatures)', () => {
  const seen = new Map<string, number>()
  const wrong: string[] = []
  for (const route of moduleRoutes()) {
    for (const part of ['params', 'querystring', 'body'] as const) {
      const properties = (route[part]?.properties ?? {}) as Record<string, { pattern?: string }>
      for (const [name, schema] of Object.entries(properties)) {
        const rule = IDENTIFIER_RULES.find(([names]) => names.test(name))
        if (rule === undefined) continue
        seen.set(rule[1], (seen.get(rule[1]) ?? 0) + 1)
        if (schema.pattern !== rule[1])
          wrong.push(`${route.operationId} ${part}.${name}: ${schema.pattern ?? 'no pattern'}`)
      }
    }
  }
  assert.deepEqual(wrong, [])
  // The walk reaches each kind (a renamed property would otherwise drop out unseen).
  for (const [, pattern] of IDENTIFIER_RULES) assert.ok((seen.get(pattern) ?? 0) >= 2, pattern)
})

/**
 * Where a schema lets any object through: an object with no properties that is not a map
 * (patternProperties), or `additionalProperties: true`. Maps of anything (`Type.Record(String,
 * Unknown)`) stay allowed: they are declared on purpose (error details, JSON Schemas in the
 * OpenAPI document's outline).
 */
function bareObjects(
  schema: unknown,
  at: string,
  components: Record<string, Schema>,
  seen = new Set<string>(),
): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => bareObjects(s, `${at}[${i}]`, components, seen))
  if (schema === null || typeof schema !== 'object') return []
  const s = schema as Schema
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/components/schemas/', '')
    if (seen.has(name)) return []
    return bareObjects(components[name], `${at}→${name}`, components, new Set([...seen, name]))
  }
  const out: string[] = []
  const types = Array.isArray(s.type) ? s.type : [s.type]
  const props = s.properties as Record<string, unknown> | undefined
  const hasProps = props !== undefined && Object.keys(props).length > 0
  if (types.includes('object') && !hasProps && s.patternProperties === undefined)
    out.push(`${at}: object without properties`)
  if (s.additionalProperties === true) out.push(`${at}: additionalProperties true`)
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' || k === 'patternProperties') {
      for (const [name, p] of Object.entries(v as Record<string, unknown>))
        out.push(...bareObjects(p, `${at}.${name}`, components, seen))
    } else if (typeof v === 'object') out.push(...bareObjects(v, `${at}/${k}`, components, seen))
  }
  return out
}

test('no 2xx answer of any route, node or application, is a bare object', () => {
  const extra = moduleRoutes()
  const doc = buildOpenApiDocument({ extraRoutes: extra }) as unknown as {
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
    >
    components: { schemas: Record<string, Schema> }
  }
  let answers = 0
  const offences: string[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (!/^2/.test(status)) continue
        const json = r.content?.['application/json']
        const label = `${method.toUpperCase()} ${path} ${status}`
        if (json === undefined) {
          // Non-JSON answers (metrics text, the docs page) carry no JSON schema; a JSON answer must.
          assert.ok(r.content === undefined || !Object.keys(r.content).some((t) => t.includes('json')), label)
          continue
        }
        answers++
        offences.push(...bareObjects(json.schema, label, doc.components.schemas))
      }
    }
  }
  assert.deepEqual(offences, [])
  // Every route of every module is in the document: the walk saw them all.
  assert.ok(extra.length >= 30, `${extra.length} module routes`)
  assert.ok(answers >= ROUTES.length - 3 + extra.length, `${answers} JSON answers walked`)
})

test('the walk finds a bare object where there is one', () => {
  const components = {}
  assert.deepEqual(bareObjects({ type: 'object', properties: { a: { type: 'string' } } }, 'ok', components), [])
  assert.deepEqual(bareObjects({ type: 'object' }, 'x', components), ['x: object without properties'])
  assert.deepEqual(
    bareObjects(
      {
        type: 'object',
        properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } } },
      },
      'x',
      components,
    ),
    ['x.items/items: object without properties', 'x.items/items: additionalProperties true'],
  )
  assert.deepEqual(bareObjects({ anyOf: [{ type: ['object', 'null'] }, { type: 'null' }] }, 'x', components), [
    'x/anyOf[0]: object without properties',
  ])
})
