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
import {
  type codec,
  type EquivocationEvidence,
  type ErrorCode,
  type ErrorInfo,
  GovchainError,
  type ValidatorSet,
} from '@govchain/core'
import type { ChainParams, Genesis } from './genesis.ts'
import type { ModuleRef } from './ref.ts'
import type { ApiExtension, ModuleApiContext } from './routes.ts'

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
  /**
   * Another module's keeper, bound to that module's state within this transaction. Pass the
   * module's typed reference (`ctx.keeper(identityRef)` returns an IdentityKeeper); the module
   * must be declared in this module's `requires` (EXEC_UNKNOWN_KEEPER otherwise).
   */
  keeper<K>(module: ModuleRef<string, K> | string): K
}

export { type ModuleRef, moduleRef, moduleRefName } from './ref.ts'

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
  /**
   * A larger write budget than the chain's per-transaction one (ExecutionParams), for a method
   * whose transaction stands for many (a batch of receipts, ADR 0036). Fixed in code, so the
   * same on every node; never lowers the chain's budget.
   */
  readonly limits?: HandlerLimits
}

/** Budgets a handler may raise above ExecutionParams: distinct state keys and index entries one transaction writes. */
export interface HandlerLimits {
  readonly writes?: number
  readonly indexWrites?: number
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
  /**
   * The calling transaction, when the keeper is reached from a handler (absent for queries,
   * routes and genesis). A keeper's write methods act within it: their state writes, events
   * (`<keeper's module>.<type>`, checked against that module's declared events) and index
   * entries commit or fail with the caller's transaction, so two modules' changes land in the
   * same block or not at all (the service hall issues a licence with its decision).
   */
  readonly tx?: KeeperTx
}

/** What a keeper sees of the transaction that called it (see KeeperContext.tx). */
export interface KeeperTx {
  readonly chainId: string
  readonly txHash: Uint8Array
  /** The transaction's sender (first signer). */
  readonly sender: Uint8Array
  /** The chain suite's hash. */
  hash(data: Uint8Array): Uint8Array
  /** Emits `<keeper's module>.<type>` into the calling transaction's events. */
  emit(type: string, attributes?: Record<string, string>): void
  /** A node-local index entry under the keeper's module (as TxContext.index). */
  index(key: Uint8Array, value: Uint8Array | undefined): void
  /** Another keeper, as the keeper's own module may call them (its `requires`). */
  keeper<K>(module: ModuleRef<string, K> | string): K
}

/** What a module sees while seeding its state from the genesis document (before block 1's transactions). */
export interface GenesisContext {
  readonly chainId: string
  /** The genesis time (ms). */
  readonly timeMs: number
  hash(data: Uint8Array): Uint8Array
  readonly state: ModuleState
  keeper<K>(module: ModuleRef<string, K> | string): K
}

/** A module's own section of the genesis document: JSON in genesis.json, canonical bytes in the genesis hash. */
export interface GenesisSection<S> {
  /** Checks the JSON section (hashed as RFC 8785 canonical JSON); throws GENESIS_INVALID with the reason. */
  parse(json: unknown, genesis: Genesis): S
  /** The section when the genesis document has none (a module with nothing to configure). */
  default?(genesis: Genesis): S
  /** Seeds the module's state from its section at height 1, before any transaction. Deterministic. */
  init(ctx: GenesisContext, section: S, genesis: Genesis): void
}

/** Documentation of one event type (`<module>.<type>`); emit() refuses undeclared types. */
export interface EventSpec {
  readonly description: string
  /** Attribute names, in the order the handler emits them. */
  readonly attributes: readonly string[]
}

/**
 * Capabilities the node asks of the chain's modules without naming them: at most one module
 * provides each. `consensus` gives the validator sets and chain parameters in force (the
 * governance module); `peerTrust` gives the organisation CAs the p2p layer trusts (identity).
 */
export interface ConsensusSource {
  validatorSetAt(height: number): ValidatorSet
  paramsAt(height: number): ChainParams
  /**
   * The observer nodes in force at `height` (node id, organisation, HELLO key): peers admit them
   * like validators, but they never vote or propose. Optional: a chain without observers omits it.
   */
  observersAt?(height: number): { id: string; orgId: string; publicKey: Uint8Array }[]
  /**
   * The node certificates revoked at `height` (issuing organisation, serial and/or SHA-256 of the
   * DER): peers drop and refuse a connection presenting one. Optional, like observersAt.
   */
  revokedCertificatesAt?(height: number): { orgId: string; serial?: Uint8Array; sha256?: Uint8Array }[]
  /** How equivocation evidence (duplicate votes or proposals) goes on chain: the module, method and encoded arguments. */
  evidenceTx(evidence: EquivocationEvidence): { module: string; method: string; args: Uint8Array }
}
export interface PeerTrustSource {
  trustedCaPems(): string[]
}
export interface ModuleProvides {
  // biome-ignore lint/suspicious/noExplicitAny: the module's own keeper type
  readonly consensus?: (keeper: any) => ConsensusSource
  // biome-ignore lint/suspicious/noExplicitAny: the module's own keeper type
  readonly peerTrust?: (keeper: any) => PeerTrustSource
  /**
   * With `peerTrust`: the provider's own events (names without the module prefix) after which the
   * node reads the trusted CAs again. Absent: every event of the module. The consensus provider's
   * events always count, as does any change of the validator sets, observers or revocations.
   */
  readonly peerTrustEvents?: readonly string[]
}

/** The capabilities a module may provide (ModuleRegistry.provider); at most one module provides each. */
const CAPABILITIES = ['consensus', 'peerTrust'] as const
export type Capability = (typeof CAPABILITIES)[number]

export interface Module {
  readonly name: string
  /** Semantic version of the module's state layout and rules; the genesis pins it. */
  readonly version?: string
  /** Modules whose keepers this one calls (checked at registration and on every keeper call). */
  readonly requires?: readonly ModuleRef[]
  /** The module's own error codes (registered into the catalogue when the module is defined). */
  readonly errors?: Readonly<Record<string, ErrorInfo>>
  // biome-ignore lint/suspicious/noExplicitAny: each module has its own section type
  readonly genesis?: GenesisSection<any>
  /** The module's events, for documentation and for emit() to check. */
  readonly events?: Readonly<Record<string, EventSpec>>
  /** The module's REST routes (a fastify plugin with typed schemas, served under the node API). */
  readonly routes?: (ctx: ModuleApiContext) => ApiExtension
  readonly provides?: ModuleProvides
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
  limits?: HandlerLimits,
): Handler<A> {
  return limits === undefined ? { args, handle, sender } : { args, handle, sender, limits }
}

export function query<A, R>(
  args: codec.Codec<A>,
  key: (args: A) => Uint8Array,
  render: (value: Uint8Array | undefined) => R | undefined,
): Query<A, R> {
  return { args, key, render }
}

/** `peerTrustEvents` goes with `peerTrust` and names events the module declares. */
function checkPeerTrustEvents(m: Module): void {
  const named = m.provides?.peerTrustEvents
  if (named === undefined) return
  if (m.provides?.peerTrust === undefined) {
    throw new GovchainError('INVALID_ARGUMENT', `module ${m.name} names peerTrustEvents but provides no peerTrust`)
  }
  const unknown = named.filter((e) => m.events === undefined || !Object.hasOwn(m.events, e))
  if (unknown.length > 0) {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `module ${m.name} names peerTrustEvents it does not declare: ${unknown.join(', ')}`,
    )
  }
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
    for (const m of modules) {
      for (const r of m.requires ?? []) {
        if (!this.byName.has(r.name)) {
          throw new GovchainError(
            'MODULE_REQUIREMENT_MISSING',
            `module ${m.name} requires ${r.name}, which is not in the set`,
          )
        }
      }
    }
    for (const cap of CAPABILITIES) {
      const providers = modules.filter((m) => m.provides?.[cap] !== undefined).map((m) => m.name)
      if (providers.length > 1) {
        throw new GovchainError('INVALID_ARGUMENT', `modules ${providers.join(', ')} all provide ${cap}`)
      }
    }
    for (const m of modules) checkPeerTrustEvents(m)
  }

  /** The module providing a capability (consensus, peerTrust), if any. */
  provider(cap: Capability): Module | undefined {
    for (const m of this.byName.values()) if (m.provides?.[cap] !== undefined) return m
    return undefined
  }

  /** Every module, in registration order. */
  all(): Module[] {
    return [...this.byName.values()]
  }

  /**
   * May `from` call `to`'s keeper? Modules that declare `requires` may call only those (and
   * themselves); a module without the field (defined before the contract) may call any.
   */
  mayCall(from: string, to: string): boolean {
    if (from === to) return true
    const m = this.byName.get(from)
    return m?.requires === undefined || m.requires.some((r) => r.name === to)
  }

  get(name: string): Module | undefined {
    return this.byName.get(name)
  }

  names(): string[] {
    return [...this.byName.keys()]
  }
}
