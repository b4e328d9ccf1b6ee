/**
 * Nullable (route kit) writes `T or null` as a type list when T has one type, so that fastify's
 * serialiser tells the branches apart by `=== null` instead of validating every answer with ajv
 * (issue 19). The schema must still mean exactly `anyOf: [T, null]`: ajv accepts and refuses the
 * same values under both forms, and fastify serialises a value and a null the same way.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Nullable, StateSchema, StringEnum } from '@govchain/app/route-kit'
import { type TSchema, Type } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import Fastify from 'fastify'

const Obj = Type.Object({ a: Type.String({ pattern: '^x' }), b: Nullable(Type.Integer()) })
const cases: { name: string; schema: TSchema; values: unknown[] }[] = [
  { name: 'object', schema: Obj, values: [null, { a: 'x1', b: null }, { a: 'x1', b: 3 }, { a: 'y' }, 'x', 1, {}] },
  { name: 'string enum', schema: StringEnum(['p', 'q'] as const), values: [null, 'p', 'r', 1] },
  { name: 'string', schema: Type.String({ contentEncoding: 'base64' }), values: [null, 'QQ==', 2, false] },
  { name: 'integer', schema: Type.Integer({ minimum: 0 }), values: [null, 0, -1, 1.5, '1'] },
  { name: 'union', schema: Type.Union([Type.String(), Type.Integer()]), values: [null, 's', 1, true] },
  { name: 'state answer', schema: StateSchema, values: [null, {}] },
]

test('Nullable accepts and refuses exactly what anyOf [T, null] does', () => {
  const ajv = new Ajv({ strict: false })
  for (const c of cases) {
    const fast = ajv.compile(Nullable(c.schema))
    const plain = ajv.compile({ anyOf: [c.schema, { type: 'null' }] })
    for (const v of c.values) assert.equal(fast(v), plain(v), `${c.name}: ${JSON.stringify(v)}`)
  }
})

test('fastify serialises a Nullable answer as its value or null', async () => {
  const Answer = Type.Object({
    o: Nullable(Obj),
    e: Nullable(StringEnum(['p', 'q'] as const)),
    n: Nullable(Type.Integer()),
  })
  const app = Fastify()
  let body: unknown
  app.get('/x', { schema: { response: { 200: Answer } } }, async () => body)
  try {
    for (const b of [
      { o: null, e: null, n: null },
      { o: { a: 'x1', b: null }, e: 'p', n: 7 },
      { o: { a: 'x2', b: 4 }, e: 'q', n: 0 },
    ]) {
      body = { ...b, extra: 'dropped' }
      const r = await app.inject({ method: 'GET', url: '/x' })
      assert.equal(r.statusCode, 200)
      assert.deepEqual(r.json(), b)
    }
  } finally {
    await app.close()
  }
})
