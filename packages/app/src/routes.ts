/**
 * How a module adds routes to the node API. A module's API file exports a factory
 * `(ctx: ModuleApiContext) => ApiExtension`; the daemon builds the context and passes the
 * extensions to createApiServer, which registers their routes with the same validation,
 * error model and OpenAPI document as the core routes.
 */
import type { CryptoSuite } from '@govchain/core'
import type { FastifyInstance } from 'fastify'
import type { ModuleRef } from './ref.ts'
import type { JsonSchema, RouteSpec, StateView } from './route-kit.ts'

/** What a module's routes may use of the node. Reads are of committed state. */
export interface ModuleApiContext {
  readonly suite: CryptoSuite
  readonly chainId: string
  latestHeight(): number
  /** Block time of the latest committed block (ms), for "is it expired now" questions. */
  latestTimeMs(): number
  /** A module key at the latest (or a given) height, with a state proof when asked. */
  state(module: string, key: Uint8Array, opts?: { prove?: boolean; height?: number }): StateView
  /**
   * Node-local secondary index (written by handlers through ctx.index), key order, bounded;
   * `after` (a full key) seeks past the previous page (ChainStore.scanIndex).
   */
  scanIndex(prefix: Uint8Array, limit: number, after?: Uint8Array): { key: Uint8Array; value: Uint8Array }[]
  getIndex(key: Uint8Array): Uint8Array | undefined
  /** A module's keeper over the latest committed state (read-only: writes throw). */
  keeper<K>(module: ModuleRef<string, K> | string): K
  /** Admits a signed transaction like POST /v1/txs. */
  submitTx(txBytes: Uint8Array): Promise<{ hash: Uint8Array }>
}

export interface RouteOptionsFor {
  method: 'GET' | 'POST'
  url: string
  schema: Record<string, JsonSchema>
}

/** The fastify instance an extension registers its routes on. */
export type ApiRouteApp = FastifyInstance
/** A route's method, url and schemas by its operationId, from the extension's `routes`. */
export type ApiRouteSpec = (operationId: string) => RouteOptionsFor

export interface ApiExtension {
  /** Module name; also the OpenAPI tag of its routes. */
  readonly name: string
  readonly routes: readonly RouteSpec[]
  /** Registers handlers; `spec(operationId)` gives method, url and schema from `routes`. */
  register(app: ApiRouteApp, spec: ApiRouteSpec): void
}
