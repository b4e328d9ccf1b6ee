/**
 * The API compiles each route's request validators and response serializers on first use
 * (src/api/lazy-compilers.ts), not at start-up: starting compiles nothing, the first and later
 * requests are answered exactly as with fastify's eager compiling, and every route's schemas do
 * compile (a broken one would otherwise show only at its route's first request).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { ModuleApiContext } from '@govchain/app'
import { defaultModules } from '@govchain/distribution'
import { Type } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import Fastify, { type FastifyInstance } from 'fastify'
import { ROUTES } from '../src/api/index.ts'
import { compiledOnFirstUse, lazyCompilersFactory } from '../src/api/lazy-compilers.ts'
import { fastifySchema } from '../src/api/schemas.ts'
import { requestValidatorCompiler } from '../src/api/server.ts'
import { FakeBackend } from '../src/testing/fake-backend.ts'
import { inProcessApiServer } from './in-process-api.ts'

test('the stand-in compiles once, on first use, and forwards arguments and property reads', () => {
  const ajv = new Ajv({ useDefaults: true, coerceTypes: 'array' })
  let compiles = 0
  const lazy = <T>(schema: T) =>
    compiledOnFirstUse(() => {
      compiles++
      return ajv.compile(schema as object)
    })
  const schema = { type: 'object', properties: { n: { type: 'integer', default: 1 } }, required: ['m'] }
  const validate = lazy(schema)
  assert.equal(compiles, 0)
  assert.equal(validate({}), false)
  assert.equal(compiles, 1)
  // fastify reads `errors` after a failed call.
  assert.deepEqual(
    validate.errors?.map((e) => e.message),
    ["must have required property 'm'"],
  )
  const data = { m: 0 }
  assert.equal(validate(data), true)
  assert.deepEqual(data, { m: 0, n: 1 }, 'defaults are written into the data')
  assert.equal(validate.errors, null)
  assert.equal(validate.schema, schema)
  assert.equal(compiles, 1)
  // fastify passes the parent when the validator has a `schemaEnv` (ajv's): the root value is coerced in place.
  const root = lazy({ type: 'integer' })
  assert.ok(root.schemaEnv)
  const parent = { v: '12' as unknown }
  // As validation.js calls it.
  assert.equal(root(parent.v, { parentData: parent, parentDataProperty: 'v' } as never), true)
  assert.equal(parent.v, 12)
  assert.equal(compiles, 2)
})

test('the node API compiles no validator at start-up, and answers as before on first and later calls', async (t) => {
  const compile = t.mock.method(Ajv.prototype, 'compile')
  const server = inProcessApiServer(new FakeBackend())
  t.after(() => server.close())
  // The first request readies the server (every route registered); this route validates nothing.
  assert.equal((await server.inject({ method: 'GET', url: '/v1/status' })).statusCode, 200)
  assert.equal(compile.mock.callCount(), 0, 'no route validator was compiled by start-up')

  const post = (payload: unknown) => server.inject({ method: 'POST', url: '/v1/txs', payload: payload as object })
  for (let i = 0; i < 3; i++) {
    const r = await post({})
    assert.equal(r.statusCode, 400)
    assert.deepEqual(r.json(), { code: 'INVALID_ARGUMENT', message: "body must have required property 'tx'" })
  }
  assert.equal(compile.mock.callCount(), 1, "the body validator, once, at the route's first request")
  // The body's validator does not coerce; the params' does.
  const num = await post({ tx: 12345678 })
  assert.deepEqual(num.json(), { code: 'INVALID_ARGUMENT', message: 'body/tx must be string' })
  for (let i = 0; i < 2; i++) {
    const r = await server.inject({ method: 'GET', url: '/v1/blocks/x1' })
    assert.equal(r.statusCode, 400)
    assert.equal(r.json().code, 'INVALID_ARGUMENT')
    assert.match(r.json().message, /^params\/height /)
  }
  assert.equal(compile.mock.callCount(), 2)
  const block = await server.inject({ method: 'GET', url: '/v1/blocks/1' })
  assert.equal(block.json().code, 'BLOCK_NOT_FOUND', 'the coerced height passed validation')
  assert.equal(compile.mock.callCount(), 2)
})

/** One route with params, body and responses, and many that are never called. */
function app(compilers?: ReturnType<typeof lazyCompilersFactory>): FastifyInstance {
  const a = Fastify(compilers === undefined ? {} : { schemaController: { compilersFactory: compilers } })
  if (compilers === undefined) a.setValidatorCompiler(requestValidatorCompiler())
  const Thing = Type.Object({ id: Type.Integer(), name: Type.String({ minLength: 1 }) })
  const Failure = Type.Object({ code: Type.String(), message: Type.String() })
  a.post<{ Params: { id: number }; Body: { name: string } }>(
    '/things/:id',
    {
      schema: {
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        body: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 200: Thing, '4xx': Failure },
      },
    },
    async (request) => ({ id: request.params.id, name: request.body.name, secret: 'not in the schema' }),
  )
  for (let i = 0; i < 20; i++) {
    a.get(
      `/unused/${i}`,
      { schema: { querystring: Type.Object({ n: Type.Integer() }), response: { 200: Thing, '4xx': Failure } } },
      async () => ({ id: i, name: 'x' }),
    )
  }
  return a
}

test('fastify with the lazy compilers: nothing compiled by ready(), the same answers as eager compiling', async (t) => {
  const counts = { validators: 0, serializers: 0 }
  const validator = requestValidatorCompiler()
  const serializers = SerializerSelector()
  const lazy = app(
    lazyCompilersFactory(
      (route) => {
        counts.validators++
        return validator(route)
      },
      (externalSchemas, options) => {
        const serializer = serializers(externalSchemas, options)
        return (route) => {
          counts.serializers++
          return serializer(route)
        }
      },
    ),
  )
  const eager = app()
  t.after(() => Promise.all([lazy.close(), eager.close()]))
  await Promise.all([lazy.ready(), eager.ready()])
  assert.deepEqual(counts, { validators: 0, serializers: 0 })

  const requests = [
    { url: '/things/7', payload: { name: 'a' } },
    { url: '/things/7', payload: { name: '' } },
    { url: '/things/0', payload: { name: 'a' } },
    { url: '/things/x', payload: { name: 'a' } },
    { url: '/things/7', payload: { name: 'a', more: 1 } },
    { url: '/things/7', payload: { name: 5 } },
  ]
  for (const round of [1, 2]) {
    for (const r of requests) {
      const [l, e] = await Promise.all([lazy.inject({ method: 'POST', ...r }), eager.inject({ method: 'POST', ...r })])
      const what = `round ${round}: ${r.url} ${JSON.stringify(r.payload)}`
      assert.equal(l.statusCode, e.statusCode, what)
      assert.equal(l.body, e.body, what)
    }
  }
  const ok = await lazy.inject({ method: 'POST', url: '/things/7', payload: { name: 'a' } })
  assert.deepEqual(ok.json(), { id: 7, name: 'a' }, 'serialised by its schema: the extra property is dropped')
  const bad = await lazy.inject({ method: 'POST', url: '/things/7', payload: { name: '' } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().message, 'body/name must NOT have fewer than 1 characters')
  // Params and body of the one route called; its 200 and 4xx answers; nothing of the others.
  assert.deepEqual(counts, { validators: 2, serializers: 2 })
})

test("every route's validators and serializers compile", () => {
  const moduleRoutes = defaultModules().flatMap((m) =>
    m.routes === undefined ? [] : m.routes({} as ModuleApiContext).routes,
  )
  const routes = [...ROUTES, ...moduleRoutes]
  assert.ok(moduleRoutes.length > 0)
  const validator = requestValidatorCompiler()
  const serializer = SerializerSelector()({}, undefined)
  let compiled = 0
  for (const route of routes) {
    const { method, url } = route
    const schema = fastifySchema(route)
    for (const httpPart of ['params', 'querystring', 'body'] as const) {
      if (schema[httpPart] === undefined) continue
      assert.equal(
        typeof validator({ schema: schema[httpPart] as object, method, url, httpPart }),
        'function',
        `${url} ${httpPart}`,
      )
      compiled++
    }
    for (const [httpStatus, s] of Object.entries(schema.response as Record<string, unknown>)) {
      assert.equal(typeof serializer({ schema: s, method, url, httpStatus }), 'function', `${url} ${httpStatus}`)
      compiled++
    }
  }
  assert.ok(compiled >= routes.length * 3, `${compiled} schemas`)
})
