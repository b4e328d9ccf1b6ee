/**
 * The CLI contract of an application (`@govchain/app/cli`, ADR 0020). An application adds its
 * `govchain` commands with `registerCommands(program, ctx)` from its `@govchain/<name>/cli`
 * subpath; the composition root lists those registrars (`@govchain/distribution/cli`) and the
 * CLI calls each with the one context below.
 *
 * Applications sit below the node, the SDK and the CLI (packages/distribution/test/boundaries.test.ts),
 * so whatever a command needs from that side — key files, a trusted genesis, an API client,
 * output, the exit code, the demo — comes through `CliContext`. Tests can pass a context of
 * their own. Types only: importing this file loads nothing, not even commander.
 */
import type { BuiltTx, Client } from '@govchain/client'
import type { CryptoSuite, KeySigner, SuiteName, ValidatorSet } from '@govchain/core'
import type { Command } from 'commander'

/**
 * An opened govchain key: a key file, checked (its public key matches its private key), or a
 * keystore or token it names. Commands sign through `signer`; the key bytes never reach them.
 */
export interface CliKey {
  suite: SuiteName
  publicKey: Uint8Array
  signer: KeySigner
}

/** What a genesis file lets a command trust offline: its chain and validator set. */
export interface TrustedGenesis {
  chainId: string
  suite: SuiteName
  validatorSet: ValidatorSet
}

/** What a transaction builder needs from a signing key and the chain the node reports. */
export interface CliSigner {
  client: Client
  key: CliKey
  /** What the transaction builders take; `privateKey` is the key's signer. */
  common: { suite: CryptoSuite; chainId: string; privateKey: KeySigner; validUntilHeight: number }
}

export interface CliContext {
  /** Writes one line to standard output. */
  out(line: string): void
  /** The node API URL of a command: `--node`, else `$GOVCHAIN_NODE`, else the local default. */
  nodeUrl(options: { node?: string }): string
  /** An API client to the command's node (`nodeUrl`). */
  client(options: { node?: string }): Client
  /** Reads a key file; a missing or malformed one is a coded error (CONFIG_INVALID). */
  loadKey(path: string): CliKey
  /** A public key given as hex or as a key file; anything else is INVALID_ARGUMENT. */
  publicKey(hexOrFile: string): Uint8Array
  /** Reads a genesis file and returns the chain and validator set it pins, for offline checks. */
  readGenesis(path: string): TrustedGenesis
  /**
   * Signing context from `--key` and the node: refuses a key of another suite than the chain's
   * (INVALID_ARGUMENT); transactions stay valid for 100 blocks from the node's height.
   */
  signer(options: { node?: string; key: string }): Promise<CliSigner>
  /**
   * Submits, waits for the commit and prints it; a failed transaction becomes a coded one-line
   * error with the transaction's code (e.g. IDENTITY_ROLE_MISSING). Returns the height.
   */
  submitAndWait(client: Client, tx: BuiltTx, timeoutMs?: number): Promise<number>
  /** The exit code the command ends with when it throws nothing (e.g. 1: not valid, 4: not found). */
  setExitCode(code: number): void
  /**
   * Seeds this application's part of the local demo network in `dir` (what `govchain up` does)
   * and returns a summary to print. The demo is the CLI's; an application it has none for is
   * refused with INVALID_ARGUMENT.
   */
  seedDemo(app: string, dir: string): Promise<Record<string, unknown>>
}

/** What `@govchain/<name>/cli` exports. */
export type RegisterCommands = (program: Command, ctx: CliContext) => void

/** One entry of the distribution's list of command registrars. */
export interface CliApp {
  /** The application (module) name. */
  name: string
  registerCommands: RegisterCommands
}
