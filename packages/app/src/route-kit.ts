/**
 * The route kit: what a module's routes are made of. Routes are data (RouteSpec: method, url,
 * JSON Schemas for params, query, body and every response), so fastify validates requests and
 * serialises answers with the very objects the OpenAPI document is generated from. Every 4xx/5xx
 * answer is the error object (ErrorSchema) with a catalogued code.
 */
import { errorCodes, toBase64, toHex } from '@govchain/core'

export type JsonSchema = { [key: string]: unknown }

export const ErrorCodeSchema: JsonSchema = {
  type: 'string',
  description: 'Stable error code from the catalogue; see the list in the API description.',
  /** Every catalogued code, module codes included (read when the schema is built, after registration). */
  get enum() {
    return errorCodes()
  },
}

export const ErrorSchema: JsonSchema = {
  type: 'object',
  description: 'Every 4xx/5xx answer. `code` is stable and machine-readable; `message` is for humans.',
  required: ['code', 'message'],
  properties: {
    code: ErrorCodeSchema,
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
}

export interface ResponseSpec {
  description: string
  /** JSON schema of the body; absent for non-JSON bodies. */
  schema?: JsonSchema
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
export function stateJson(s: StateView) {
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
