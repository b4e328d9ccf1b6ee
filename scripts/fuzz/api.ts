/**
 * The API target: every route of an in-process node API (the node's own and every module's,
 * over the recorded chain, built as packages/node/test/api-answers.test.ts builds it), sent
 * fuzzed path parameters, query strings and bodies through fastify's inject. Bodies are made
 * from each route's own JSON schema (valid ones), then mutated (fields dropped, added, given
 * another type), or are arbitrary JSON or text under several content types. The property: never
 * a 5xx, and every error answer is a coded body whose code is catalogued with that HTTP status.
 */
import type { ApiExtension, RouteSpec } from '@govchain/app'
import { errorInfo, isErrorCode } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import fc from 'fast-check'
import { ROUTES } from '../../packages/node/src/api/index.ts'
import { FakeBackend } from '../../packages/node/src/testing/fake-backend.ts'
import { inProcessApiServer, recordedChainContext } from '../../packages/node/test/in-process-api.ts'
import { corpus } from './corpus.ts'
import { type Json, jsonInput, textInput, wrongJson } from './mutate.ts'
import { FuzzFinding, type FuzzTarget } from './targets.ts'

type Schema = Record<string, unknown>

/** Values that fit a JSON schema (the subset the route schemas use), bounded in size. */
function fromSchema(s: Schema | undefined, depth = 0): fc.Arbitrary<Json> {
  if (s === undefined || depth > 4) return fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>
  if ('const' in s) return fc.constant(s.const as Json)
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as Json[]))
  const alts = (s.anyOf ?? s.oneOf) as Schema[] | undefined
  if (Array.isArray(alts) && alts.length > 0) return fc.oneof(...alts.map((a) => fromSchema(a, depth + 1)))
  const type = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string | undefined]
  const one = (t: string | undefined): fc.Arbitrary<Json> => {
    switch (t) {
      case 'object': {
        const props = (s.properties ?? {}) as Record<string, Schema>
        const required = new Set((s.required ?? []) as string[])
        const keys = Object.keys(props)
        if (keys.length === 0) return fc.constant({})
        return fc.record(Object.fromEntries(keys.map((k) => [k, fromSchema(props[k], depth + 1)])), {
          requiredKeys: keys.filter((k) => required.has(k)),
        }) as fc.Arbitrary<Json>
      }
      case 'array':
        return fc.array(fromSchema(s.items as Schema | undefined, depth + 1), {
          minLength: Math.min(Number(s.minItems ?? 0), 3),
          maxLength: Math.min(Number(s.maxItems ?? 3), 3),
        })
      case 'string': {
        const max = Math.min(Number(s.maxLength ?? 64), 200)
        if (typeof s.pattern === 'string') {
          return fc.stringMatching(new RegExp(s.pattern), { size: 'xsmall' })
        }
        return fc.string({ minLength: Number(s.minLength ?? 0), maxLength: Math.max(max, Number(s.minLength ?? 0)) })
      }
      case 'integer':
        return fc.integer({
          min: Math.max(Number(s.minimum ?? -1e9), Number.MIN_SAFE_INTEGER),
          max: Math.min(Number(s.maximum ?? 1e9), Number.MAX_SAFE_INTEGER),
        })
      case 'number':
        return fc.double({
          noNaN: true,
          noDefaultInfinity: true,
          min: Number(s.minimum ?? -1e9),
          max: Number(s.maximum ?? 1e9),
        })
      case 'boolean':
        return fc.boolean()
      case 'null':
        return fc.constant(null)
      default:
        return fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>
    }
  }
  return fc.oneof(...type.map(one))
}

interface Req {
  method: 'GET' | 'POST'
  url: string
  payload?: string
  contentType?: string
}

function requestFor(route: RouteSpec): fc.Arbitrary<Req> {
  const names = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!)
  const paramProps = ((route.params as Schema | undefined)?.properties ?? {}) as Record<string, Schema>
  const paramValue = (n: string) =>
    fc.oneof(
      { arbitrary: fromSchema(paramProps[n]).map((v) => String(v)), weight: 3 },
      { arbitrary: fc.string({ maxLength: 80 }), weight: 2 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
      {
        arbitrary: fc.constantFrom('0', '-1', '1e3', '9'.repeat(30), 'ff'.repeat(32), '%', '..', 'x'.repeat(600)),
        weight: 1,
      },
    )
  const params = fc.tuple(...names.map(paramValue))
  const qsProps = ((route.querystring as Schema | undefined)?.properties ?? {}) as Record<string, Schema>
  const query = fc.dictionary(
    fc.oneof(fc.constantFrom(...Object.keys(qsProps), 'x'), fc.string({ maxLength: 8 })),
    fc.oneof(
      fc.string({ maxLength: 40 }),
      wrongJson.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
      fc.constantFrom('true', 'false', '0', '-1', '201', '1e309', ''),
    ),
    { maxKeys: 4 },
  )
  const bodySchema = route.body as Schema | undefined
  const body: fc.Arbitrary<{ payload?: string; contentType?: string }> =
    route.method === 'GET'
      ? fc.constant({})
      : fc.oneof(
          { arbitrary: fromSchema(bodySchema).map((v) => ({ payload: JSON.stringify(v) })), weight: 3 },
          {
            arbitrary: fromSchema(bodySchema)
              .chain((v) => jsonInput([v]))
              .map((v) => ({ payload: JSON.stringify(v) })),
            weight: 5,
          },
          {
            arbitrary: fc
              .tuple(
                textInput(['{}', '{"a":1}', '[]'], 300),
                fc.constantFrom(
                  'application/json',
                  'text/plain',
                  'application/json; charset=latin1',
                  'application/x-www-form-urlencoded',
                ),
              )
              .map(([payload, contentType]) => ({ payload, contentType })),
            weight: 1,
          },
        )
  return fc.tuple(params, query, body).map(([ps, q, b]) => {
    let url = route.url
    names.forEach((n, i) => {
      url = url.replace(`:${n}`, encodeURIComponent(ps[i]!))
    })
    const qs = new URLSearchParams(q).toString()
    return {
      method: route.method,
      url: qs === '' ? url : `${url}?${qs}`,
      ...(b.payload === undefined ? {} : { payload: b.payload }),
      ...(b.payload === undefined ? {} : { contentType: b.contentType ?? 'application/json' }),
    }
  })
}

export const API_TARGET: FuzzTarget = {
  name: 'api',
  description: "every route of the node API and every module's routes: params, query strings and bodies",
  setup() {
    const ctx = recordedChainContext(corpus().chain)
    const extensions: ApiExtension[] = defaultModules().flatMap((m) => (m.routes === undefined ? [] : [m.routes(ctx)]))
    const backend = new FakeBackend()
    backend.addBlock()
    backend.addBlock()
    const server = inProcessApiServer(backend, extensions)
    // WebSocket routes answer plain requests 426 by design; they are fuzzed as every other GET.
    const routes = [...ROUTES, ...extensions.flatMap((e) => e.routes)]
    return {
      async: true,
      input: fc.constantFrom(...routes).chain((r) => requestFor(r).map((req) => ({ op: r.operationId, req }))),
      run: async ({ op, req }: { op: string; req: Req }) => {
        const res = await server.inject({
          method: req.method,
          url: req.url,
          ...(req.payload === undefined ? {} : { payload: req.payload, headers: { 'content-type': req.contentType! } }),
        })
        const what = `${op}: ${req.method} ${req.url} ${req.payload?.slice(0, 300) ?? ''} → ${res.statusCode} ${res.body.slice(0, 500)}`
        if (res.statusCode >= 500) throw new FuzzFinding(`5xx for bad input: ${what}`)
        if (res.statusCode >= 400) {
          let body: { code?: unknown; message?: unknown }
          try {
            body = res.json() as typeof body
          } catch {
            throw new FuzzFinding(`error answer is not JSON: ${what}`)
          }
          if (typeof body.code !== 'string' || !isErrorCode(body.code))
            throw new FuzzFinding(`uncoded error answer: ${what}`)
          if (errorInfo(body.code)?.http !== res.statusCode) throw new FuzzFinding(`status is not the code's: ${what}`)
          if (typeof body.message !== 'string') throw new FuzzFinding(`error answer has no message: ${what}`)
          return body.code
        }
        return `${res.statusCode}`
      },
      close: () => server.close(),
    }
  },
}
