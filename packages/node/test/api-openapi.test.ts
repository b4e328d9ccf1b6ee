import assert from 'node:assert/strict'
import { test } from 'node:test'
import { errorCodes, errorInfo, isErrorCode } from '@govchain/core'
// The applications register their error codes when loaded, as in a node that runs them.
import '@govchain/distribution'
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
  assert.equal(ROUTES.length, 13)
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
