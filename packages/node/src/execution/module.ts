/**
 * The module framework. A module is a folder with its types (argument codecs), handlers,
 * queries, events and tests, described by one `Module` value:
 *
 *   - handlers run inside a transaction with a TxContext: they read and write state only
 *     through `ctx.state`, a key-value view scoped to the module (keys live under
 *     `<module>/` in the state tree, so a module cannot reach another module's keys);
 *   - cross-module calls go through the other module's keeper (`ctx.keeper('name')`), which
 *     that module builds over its own scoped state: the only door into its storage;
 *   - a handler fails by throwing a GovchainError (`ctx.fail(code)`); everything the
 *     transaction wrote is then discarded, and the transaction is still included with its code;
 *   - no wall clock, randomness or I/O: everything a handler may depend on is in the context;
 *   - each method declares who may send it (SenderRule, default `registered`): admission and
 *     every block check that before the handler, so what would certainly fail for an unknown
 *     sender never reaches a block (docs/adr/0016-registered-senders.md).
 */
import { type codec, type ErrorCode, GovchainError } from '@govchain/core'
import type { Genesis } from '../genesis.ts'

/** Module names: lowercase identifiers. `sys` is reserved for the engine's own state. */
export const MODULE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,31}$/
export const RESERVED_MODULE_NAMES: ReadonlySet<string> = new Set(['sys'])

/** A module's view of its own part of the state. Values returned are copies. */
export interface ModuleState {
  get(key: Uint8Array): Uint8Array | undefined
  has(key: Uint8Array): boolean
  set(key: Uint8Array, value: Uint8Array): void
  delete(key: Uint8Array): void
}

/** Read-only view (queries, keepers called from queries). */
export type ReadonlyModuleState = Pick<ModuleState, 'get' | 'has'>

/**
 * What a handler gets for its transaction. `hash` and `verify` may be passed on detached; the
 * other functions (`emit`, `index`, `fail`, `keeper`, and `state`'s) are methods, called on
 * their object (`ctx.emit(...)`, not `const { emit } = ctx`).
 */
export interface TxContext {
  readonly chainId: string
  readonly height: number
  /** Block time (the header's timeMs), never the wall clock. */
  readonly timeMs: number
  readonly txHash: Uint8Array
  /** The sender's public key (first signer). */
  readonly sender: Uint8Array
  /** Every signer's public key, sender first. */
  readonly signers: readonly Uint8Array[]
  /** The chain suite's hash (SM3 | SHA-256). */
  hash(data: Uint8Array): Uint8Array
  /** The chain suite's signature check (self-authenticating data such as equivocation evidence). Never throws. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  /** This module's state. */
  readonly state: ModuleState
  /** Emits `<module>.<type>`; attributes keep their insertion order. Bounded (EXEC_EVENT_LIMIT). */
  emit(type: string, attributes?: Record<string, string>): void
  /**
   * Writes a node-local secondary index entry under `<module>/` (not consensus state: kept
   * by each node for lookups such as "anchors by submitter"). Discarded if the tx fails.
   */
  index(key: Uint8Array, value: Uint8Array | undefined): void
  /** Throws GovchainError(code): the transaction fails and changes nothing. */
  fail(code: ErrorCode, message?: string, details?: Record<string, unknown>): never
  /** Another module's keeper, bound to that module's state within this transaction. */
  keeper<K>(module: string): K
}

/**
 * Who may send a method's transactions, checked before its handler: at admission (the mempool,
 * against the committed state) and for every transaction of a block (against the state it runs
 * on: a failure is an admission code, so a proposer leaves the transaction out and a block that
 * holds one is invalid).
 *
 *   `registered`  the sender's key is an identity some module registered (Module.registeredSender:
 *                 an active officer, a current DID key, a gateway key, a validator key). Refused
 *                 otherwise with TX_SENDER_UNREGISTERED: an unknown key can write nothing.
 *   `anyone`      self-registration (identity.createDid), whose transaction is what makes a key known.
 */
export type SenderRule = 'registered' | 'anyone'

export interface Handler<A> {
  readonly args: codec.Codec<A>
  readonly sender: SenderRule
  handle(ctx: TxContext, args: A): void
}

/** A read-only question a module answers from its state (the API serves these). */
export interface Query<A, R> {
  readonly args: codec.Codec<A>
  /** The state key the answer is read from, so the API can attach a state proof. */
  key(args: A): Uint8Array
  /** Renders the stored value (JSON-friendly); undefined when absent. */
  render(value: Uint8Array | undefined): R | undefined
}

export interface KeeperContext {
  readonly height: number
  readonly timeMs: number
  readonly state: ModuleState
}

/** What a module sees while seeding its state from the genesis document (before block 1's transactions). */
export interface GenesisContext {
  readonly chainId: string
  /** The genesis time (ms). */
  readonly timeMs: number
  hash(data: Uint8Array): Uint8Array
  readonly state: ModuleState
  keeper<K>(module: string): K
}

export interface Module {
  readonly name: string
  /**
   * Seeds the module's state from the genesis document at height 1, before any transaction.
   * Deterministic like a handler; a throw means the genesis is unusable (GENESIS_INVALID).
   */
  readonly initGenesis?: (ctx: GenesisContext, genesis: Genesis) => void
  // biome-ignore lint/suspicious/noExplicitAny: each handler has its own argument type
  readonly handlers: Readonly<Record<string, Handler<any>>>
  // biome-ignore lint/suspicious/noExplicitAny: each query has its own argument and answer types
  readonly queries?: Readonly<Record<string, Query<any, any>>>
  /** Builds the module's keeper over its scoped state (its cross-module API). */
  readonly keeper?: (ctx: KeeperContext) => unknown
  /** Renders any stored value of this module for the generic state API (JSON-friendly). */
  readonly renderState?: (key: Uint8Array, value: Uint8Array) => unknown
  /**
   * Whether this module registered `publicKey` as an identity that may send `registered`
   * methods (SenderRule). Reads only this module's state; deterministic like a keeper.
   */
  readonly registeredSender?: (ctx: KeeperContext, publicKey: Uint8Array) => boolean
}

/**
 * Type helper so each handler's `args` type flows into `handle`. `sender` (default `registered`)
 * says who may send the method (SenderRule).
 */
export function handler<A>(
  args: codec.Codec<A>,
  handle: (ctx: TxContext, args: A) => void,
  sender: SenderRule = 'registered',
): Handler<A> {
  return { args, handle, sender }
}

export function query<A, R>(
  args: codec.Codec<A>,
  key: (args: A) => Uint8Array,
  render: (value: Uint8Array | undefined) => R | undefined,
): Query<A, R> {
  return { args, key, render }
}

/** The set of modules a chain runs; fixed at genesis (the same on every node). */
export class ModuleRegistry {
  private readonly byName = new Map<string, Module>()

  constructor(modules: readonly Module[]) {
    for (const m of modules) {
      if (!MODULE_NAME_PATTERN.test(m.name) || RESERVED_MODULE_NAMES.has(m.name)) {
        throw new GovchainError('INVALID_ARGUMENT', `invalid module name ${JSON.stringify(m.name)}`)
      }
      if (this.byName.has(m.name)) throw new GovchainError('INVALID_ARGUMENT', `module ${m.name} registered twice`)
      this.byName.set(m.name, m)
    }
  }

  get(name: string): Module | undefined {
    return this.byName.get(name)
  }

  names(): string[] {
    return [...this.byName.keys()]
  }
}
