/**
 * The route kit: what a module's routes are made of. Routes are data (RouteSpec: method, url,
 * JSON Schemas for params, query and body, and a TypeBox schema for every response), so fastify
 * validates requests and serialises answers with the very objects the OpenAPI document is
 * generated from, and clients take their answer types from the same schemas (Static<>;
 * docs/adr/0019-typebox-response-schemas.md). Every 4xx/5xx answer is the error object
 * (ErrorSchema) with a catalogued code.
 *
 * Browser-safe (exported as `@govchain/app/route-kit`): applications' views.ts build their answer
 * schemas from the pieces below.
 */
import { errorCodes, ID_PATTERN, toBase64, toHex } from '@govchain/core'
import { Kind, type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox'

export type JsonSchema = { [key: string]: unknown }

/**
 * `T` or null (JSON null, never an absent property). A schema with one `type` becomes the same
 * schema with `type: [type, 'null']` (and null in its `enum`), which JSON Schema 2020-12 and
 * OpenAPI 3.1 read exactly as `anyOf: [T, null]`: fastify's serialiser picks a branch of an
 * `anyOf` by validating the value against each with ajv on every answer, and of a type list by
 * `=== null` (issue 19: that validation was a third of a licence verification's cost). Any
 * other schema stays the `anyOf`.
 */
export const Nullable = <T extends TSchema>(schema: T): TUnsafe<Static<T> | null> => {
  const { [Kind]: _kind, ...body } = schema as TSchema & Record<string, unknown>
  if (typeof body.type !== 'string' || 'anyOf' in body || 'const' in body) {
    return Type.Unsafe<Static<T> | null>({ anyOf: [schema, Type.Null()] })
  }
  return Type.Unsafe<Static<T> | null>({
    ...body,
    type: [body.type, 'null'],
    ...(Array.isArray(body.enum) ? { enum: [...body.enum, null] } : {}),
  })
}

/** One of a list of strings, as `{type: 'string', enum}` (plainer in OpenAPI than a union of literals). */
export const StringEnum = <T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })

export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: '32 bytes, lowercase hex' })

/**
 * Parameter schemas the modules' routes share, each the rule the chain itself applies, so that one
 * id is refused or accepted alike on every route (an organisation id that cannot exist is a 400
 * everywhere, not a 400 on one route and a 404 on another).
 */
export const ID_PARAM = {
  type: 'string',
  pattern: ID_PATTERN.source,
  description: 'an organisation or officer id: 1-64 of [a-z0-9._-]',
} as const
/** 32 bytes in lowercase hex (a case, request or batch id, a digest). */
export const HEX32_PARAM = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const
/** A public key in lowercase hex: 32 bytes (Ed25519) to 65 (an uncompressed SM2 point). */
export const PUBLIC_KEY_PARAM = { type: 'string', pattern: '^([0-9a-f]{2}){32,65}$' } as const
/** A signature in lowercase hex: 64 bytes (Ed25519, or SM2's r‖s). */
export const SIGNATURE_PARAM = { type: 'string', pattern: '^[0-9a-f]{128}$' } as const
export const HexBytes = Type.String({ pattern: '^([0-9a-f]{2})*$', description: 'bytes, lowercase hex' })
export const Base64 = Type.String({ contentEncoding: 'base64', description: 'bytes, standard base64 with padding' })
export const Base64OrNull = Nullable(Type.String({ contentEncoding: 'base64' }))
export const Int = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
/** A seek cursor: pass it back as `after`; null on the last page. */
export const NextCursor = Type.Unsafe<string | null>({
  ...Nullable(Type.String()),
  description: "the next page's `after`; null at the end",
})

/** Entries of a numbered sequence one page holds by default, and at most (`limit`). */
export const SEQUENCE_PAGE_DEFAULT = 100
export const SEQUENCE_PAGE_MAX = 1000

/**
 * The query of a route that pages a numbered sequence: `after` is the number of the last entry
 * the client has (the previous page's `next`), `limit` the entries wanted.
 */
export const SEQUENCE_QUERY_PROPERTIES = {
  after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,9})$', description: "the previous page's `next`" },
  limit: { type: 'integer', minimum: 1, maximum: SEQUENCE_PAGE_MAX, default: SEQUENCE_PAGE_DEFAULT },
} as const

/** The parsed query of such a route (and the page a client asks for). */
export type SequenceQuery = {
  after?: string
  limit?: number
}

export const ErrorCodeSchema = Object.defineProperty(
  Type.String({ description: 'Stable error code from the catalogue; see the list in the API description.' }),
  'enum',
  {
    /** Every catalogued code, module codes included (read when the schema is built, after registration). */
    get: () => errorCodes(),
    enumerable: true,
  },
)

export const ErrorSchema = Type.Object(
  {
    code: ErrorCodeSchema,
    message: Type.String(),
    // Free-form on purpose: what a code adds (a limit, an id) differs from code to code.
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: 'Every 4xx/5xx answer. `code` is stable and machine-readable; `message` is for humans.' },
)
export type ErrorAnswer = Static<typeof ErrorSchema>

/**
 * A state answer (GET /v1/state/{module}/{key}): a value (or its absence, `value: null`) at
 * `height`, and with a proof asked for, the proof, header, certificate and validator set.
 */
export const StateSchema = Type.Object(
  {
    module: Type.String(),
    key: HexBytes,
    value: Base64OrNull,
    height: Int,
    proof: Base64OrNull,
    headerBytes: Base64OrNull,
    certificate: Base64OrNull,
    validatorSet: Base64OrNull,
  },
  {
    description:
      'A value (or its absence, `value: null`) at `height`. With `prove=true`, `proof` proves it against the ' +
      'state root in `headerBytes`, `certificate` commits that header and `validatorSet` is the set that signed it; ' +
      'otherwise those four are null.',
  },
)
export type StateJson = Static<typeof StateSchema>
/** A record's state proof in a module answer: null unless the request asked for one (prove=true). */
export const ProofOrNull = Nullable(StateSchema)

export interface ResponseSpec {
  description: string
  /** TypeBox schema of the body (JSON Schema underneath); absent for non-JSON bodies. */
  schema?: TSchema
  /** Media type when not application/json. */
  contentType?: string
}

export interface RouteSpec {
  method: 'GET' | 'POST'
  /** Fastify path syntax (`:param`). */
  url: string
  operationId: string
  summary: string
  description: string
  /** 'chain' | 'transactions' | 'state' | 'events' | 'operations', or a module name for module routes. */
  tag: string
  params?: JsonSchema
  querystring?: JsonSchema
  body?: JsonSchema
  responses: Record<number, ResponseSpec>
}

export const err = (description: string): ResponseSpec => ({ description, schema: ErrorSchema })
export const INVALID = err('invalid parameter, query or body (INVALID_ARGUMENT)')
export const INTERNAL = err('internal error (INTERNAL); details are in the node log, never in the answer')

export interface StateView {
  module: string
  key: Uint8Array
  value: Uint8Array | undefined
  height: number
  /** Present when a proof was asked for. */
  proof?: Uint8Array
  headerBytes?: Uint8Array
  certificate?: Uint8Array
  validatorSet?: Uint8Array
}

const b64OrNull = (b: Uint8Array | undefined): string | null => (b === undefined ? null : toBase64(b))

/** JSON body of a state answer (GET /v1/state/...): hex key, base64 value and proof parts, null when absent. */
export function stateJson(s: StateView): StateJson {
  return {
    module: s.module,
    key: toHex(s.key),
    value: b64OrNull(s.value),
    height: s.height,
    proof: b64OrNull(s.proof),
    headerBytes: b64OrNull(s.headerBytes),
    certificate: b64OrNull(s.certificate),
    validatorSet: b64OrNull(s.validatorSet),
  }
}
