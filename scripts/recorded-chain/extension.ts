/**
 * The contract of a recorded-chain extension (docs/recorded-chain.md, "Adding a module"): a
 * named scenario that appends blocks to an existing recording, so a module added after the
 * recording was made is covered without re-recording (and so without changing) the blocks
 * before it. `npm run record:chain -- --extend` runs, in the order of EXTENSIONS, each extension
 * the fixture does not list yet and appends its blocks; a full `npm run record:chain` runs the
 * base scenario and then every extension.
 *
 * An extension runs on the state the base scenario and the earlier extensions left: the demo
 * departments of the genesis (`ORGS`), their administrators and validators, and every key the
 * base scenario registered (scripts/record-chain.ts names them: `key('market-issuer')` is the
 * same key there and here, derived from its name).
 */
import type { CryptoSuite } from '@govchain/core'
import type { Org, Recorder, Signer } from './recorder.ts'

export interface ExtensionContext {
  readonly rec: Recorder
  readonly suite: CryptoSuite
  /** The fixed key of `name` (the same name gives the same key in the base scenario). */
  key(name: string): Signer
  /** The suite's hash of a text, for content hashes and fingerprints. */
  h(text: string): Uint8Array
  readonly admin: Readonly<Record<Org, Signer>>
  readonly validator: Readonly<Record<Org, Signer>>
  /** Each department's unified social credit code, from the genesis. */
  readonly code: Readonly<Record<Org, string>>
}

export interface Extension {
  /** Recorded in the fixture's `extensions` once applied; never rename one that was recorded. */
  readonly name: string
  /** Appends blocks with `ctx.rec.block(...)`; each planned transaction states its expected code. */
  record(ctx: ExtensionContext): void
}
