/**
 * Stateless transaction validation: everything about a transaction that does not depend on
 * the state (the replay guard does; executeBlock and the mempool check it). Used by the
 * mempool at admission and by execution for every transaction of a block.
 *
 * Checks, cheapest first, signatures last (they are the cost):
 *   size → SignedTx decodes → body decodes → chain id → first signer is the sender, signers
 *   distinct → validity window → module and method exist → args decode → [the sender may send
 *   this method (SenderGate, when given: it reads state)] → every signature verifies over
 *   signingBytes(DOMAIN.tx, bodyBytes).
 * Every failure is a GovchainError with a TX_* code; nothing else escapes.
 */
import {
  type CryptoSuite,
  codec,
  DOMAIN,
  equalBytes,
  GovchainError,
  hexOf,
  isGovchainError,
  LIMITS,
  SignedTx,
  type SigningKey,
  signerOf,
  signingBytes,
  TxBody,
  toHex,
} from '@govchain/core'
import type { ModuleState, SenderRule } from './index.ts'
import type { Handler, Module, ModuleRegistry } from './module.ts'
import { DEFAULT_EXECUTION_PARAMS, type ExecutionParams } from './params.ts'
import { stateKey } from './state.ts'

export interface ValidatedTx {
  /** suite.hash(body bytes): the transaction's identity (signatures are not part of it). */
  txHash: Uint8Array
  /** suite.hash(the whole signed bytes): identifies exactly what was verified (see Preverified). */
  envelopeHash: Uint8Array | undefined
  bytes: Uint8Array
  body: TxBody
  signers: Uint8Array[]
  module: Module
  // biome-ignore lint/suspicious/noExplicitAny: the handler's argument type is the module's business
  handler: Handler<any>
  args: unknown
}

/**
 * Signed-transaction envelopes whose signatures were already verified (the mempool's LRU).
 * Keyed by the hash of the whole signed bytes, not the tx hash: the tx hash leaves the
 * signatures out, so the same body with forged signatures must not ride on an earlier check.
 */
export interface Preverified {
  has(envelopeHashHex: string): boolean
  /**
   * The whole validation of that exact envelope, when still held (the mempool's entries): block
   * validation then skips decoding and verifying again and only re-checks what depends on the
   * height (the validity window). Must be a ValidatedTx that validateTx returned for these bytes.
   */
  validated?(envelopeHashHex: string): ValidatedTx | undefined
  /**
   * Told of each envelope validateTx verified itself (a block's transaction this node had not
   * received yet): when the same transaction then arrives by gossip, admission finds it here and
   * does not verify it a second time before refusing it as committed or pending.
   */
  add?(envelopeHashHex: string): void
}

export interface ValidateOptions {
  modules: ModuleRegistry
  params?: ExecutionParams
  preverified?: Preverified
  /** Checks the sender against the method's SenderRule (admission and block execution pass one). */
  senders?: SenderGate
}

/** Module states at one point of the chain, read-only: what sender rules are checked against. */
export interface SenderStateView {
  /** The height a transaction would execute at (keepers answer "active at this height"). */
  readonly height: number
  /** Block time at that point (the parent's, at admission). */
  readonly timeMs: number
  /** A full state key (`<module>/<key>`), as the state tree holds it. */
  get(fullKey: Uint8Array): Uint8Array | undefined
}

function readonlyScoped(view: SenderStateView, module: string): ModuleState {
  const refuse = (): never => {
    throw new GovchainError('INVALID_ARGUMENT', 'state is read-only in a sender check')
  }
  return {
    get: (key) => view.get(stateKey(module, key))?.slice(),
    has: (key) => view.get(stateKey(module, key)) !== undefined,
    set: refuse,
    delete: refuse,
  }
}

/**
 * Checks senders against their method's SenderRule over one state view: a `registered` method
 * needs a key some module's registeredSender recognises, else TX_SENDER_UNREGISTERED. Each
 * sender's answer is remembered (at most `cacheMax`; a block holds thousands of transactions of
 * few senders) until forget(), which whoever changes the view's registries must call: a block,
 * after a transaction that wrote to one of `registries`; the mempool, at each new height.
 */
export class SenderGate {
  private readonly known = new Map<string, boolean>()
  private readonly hooks: { name: string; registered: NonNullable<Module['registeredSender']> }[] = []
  /** Modules whose state decides who is registered. */
  readonly registries: ReadonlySet<string>

  constructor(
    modules: ModuleRegistry,
    private readonly view: SenderStateView,
    private readonly cacheMax = 10_000,
  ) {
    for (const name of modules.names()) {
      const registered = modules.get(name)?.registeredSender
      if (registered !== undefined) this.hooks.push({ name, registered })
    }
    this.registries = new Set(this.hooks.map((h) => h.name))
  }

  /** Throws TX_SENDER_UNREGISTERED when `rule` needs a registered sender and `sender` is none. */
  check(sender: Uint8Array, rule: SenderRule, txHash: Uint8Array): void {
    if (rule === 'anyone') return
    const k = hexOf(sender)
    let ok = this.known.get(k)
    if (ok === undefined) {
      ok = this.isRegistered(sender)
      if (this.known.size >= this.cacheMax) this.known.clear()
      this.known.set(k, ok)
    }
    if (!ok) throw new GovchainError('TX_SENDER_UNREGISTERED', undefined, { ...details(txHash), sender: k })
  }

  forget(): void {
    this.known.clear()
  }

  private isRegistered(sender: Uint8Array): boolean {
    const { height, timeMs } = this.view
    return this.hooks.some((h) =>
      h.registered({ height, timeMs, state: readonlyScoped(this.view, h.name) }, sender.slice()),
    )
  }
}

function txError(code: 'TX_MALFORMED' | 'TX_BAD_ARGS', what: string, e: unknown): GovchainError {
  const cause = isGovchainError(e) ? e.code : 'UNKNOWN'
  const message = isGovchainError(e) ? e.message : String(e)
  return new GovchainError(code, `${what}: ${message}`, { cause })
}

/**
 * signingBytes(DOMAIN.tx, body) built in one reused buffer: the verifiers keep nothing of the
 * message, and a fresh array per transaction (over 64 bytes, so a backing store of its own in
 * V8) was one more allocation for the collector on every admission. The body is at most
 * LIMITS.txBytes, so the buffer is bounded.
 */
let signingScratch = new Uint8Array(0)

function txSigningMessage(body: Uint8Array): Uint8Array {
  const n = DOMAIN.tx.length + body.length
  if (signingScratch.length < n) signingScratch = new Uint8Array(Math.max(n, 1024))
  signingScratch.set(DOMAIN.tx, 0)
  signingScratch.set(body, DOMAIN.tx.length)
  return signingScratch.subarray(0, n)
}

/** Error details naming the transaction: built only when a check fails (hex of every valid hash would be waste). */
function details(txHash: Uint8Array): { txHash: string } {
  return { txHash: toHex(txHash) }
}

/** Decodes just enough to name a transaction: hash of the body, or of the raw bytes if undecodable. */
export function txHashOf(suite: CryptoSuite, txBytes: Uint8Array): Uint8Array {
  try {
    return suite.hash(codec.decode(SignedTx, txBytes, LIMITS.txBytes).body)
  } catch {
    return suite.hash(txBytes)
  }
}

/**
 * Validates a signed transaction for inclusion at `height`. Throws GovchainError (TX_*) when
 * it is not valid; the replay guard is not checked here.
 */
export function validateTx(
  suite: CryptoSuite,
  chainId: string,
  txBytes: Uint8Array,
  height: number,
  opts: ValidateOptions,
): ValidatedTx {
  const params = opts.params ?? DEFAULT_EXECUTION_PARAMS
  if (!(txBytes instanceof Uint8Array)) throw new GovchainError('TX_MALFORMED', 'transaction must be bytes')
  // The envelope hash (and its hex) is computed at most once: the cache lookups below share it.
  let envelopeHash: Uint8Array | undefined
  let envelopeHex: string | undefined
  if (opts.preverified?.validated !== undefined && txBytes.length <= LIMITS.txBytes) {
    envelopeHash = suite.hash(txBytes)
    envelopeHex = hexOf(envelopeHash)
    const cached = opts.preverified.validated(envelopeHex)
    const v = cached === undefined ? undefined : revalidate(cached, envelopeHash, chainId, height, opts, params)
    if (v !== undefined) return v
  }
  if (txBytes.length > LIMITS.txBytes) {
    throw new GovchainError('TX_TOO_LARGE', `${txBytes.length} bytes > ${LIMITS.txBytes}`, {
      sizeBytes: txBytes.length,
      maxBytes: LIMITS.txBytes,
    })
  }
  let signed: SignedTx
  try {
    signed = codec.decode(SignedTx, txBytes, LIMITS.txBytes)
  } catch (e) {
    // The whole input is within LIMITS.txBytes here, so an oversize field is a malformed tx.
    throw txError('TX_MALFORMED', 'signed transaction', e)
  }
  let body: TxBody
  try {
    body = codec.decode(TxBody, signed.body)
  } catch (e) {
    throw txError('TX_MALFORMED', 'transaction body', e)
  }
  const txHash = suite.hash(signed.body)

  if (body.chainId !== chainId) {
    throw new GovchainError(
      'TX_WRONG_CHAIN',
      `transaction is for chain ${JSON.stringify(body.chainId)}`,
      details(txHash),
    )
  }
  const first = signed.signatures[0]
  if (first === undefined) throw new GovchainError('TX_MALFORMED', 'transaction has no signature', details(txHash))
  if (!equalBytes(first.publicKey, body.sender)) {
    throw new GovchainError('TX_SENDER_MISMATCH', undefined, details(txHash))
  }
  for (const s of signed.signatures) {
    if (s.publicKey.length !== suite.publicKeyLength) {
      throw new GovchainError('TX_BAD_SIGNATURE', `public key of ${s.publicKey.length} bytes`, details(txHash))
    }
  }
  if (signed.signatures.length > 1) {
    const seen = new Set<string>()
    for (const s of signed.signatures) {
      const k = hexOf(s.publicKey)
      if (seen.has(k)) throw new GovchainError('TX_MALFORMED', 'a signer appears twice', details(txHash))
      seen.add(k)
    }
  }

  if (body.validUntilHeight < height) {
    throw new GovchainError('TX_EXPIRED', `valid until height ${body.validUntilHeight}, now ${height}`, details(txHash))
  }
  if (body.validUntilHeight > height + params.maxTxValidityBlocks) {
    throw new GovchainError(
      'TX_VALIDITY_TOO_LONG',
      `valid until ${body.validUntilHeight}, at most ${height + params.maxTxValidityBlocks}`,
      details(txHash),
    )
  }

  const module = opts.modules.get(body.module)
  if (module === undefined)
    throw new GovchainError('TX_UNKNOWN_MODULE', `unknown module ${body.module}`, details(txHash))
  const handler = Object.hasOwn(module.handlers, body.method) ? module.handlers[body.method] : undefined
  if (handler === undefined) {
    throw new GovchainError('TX_UNKNOWN_METHOD', `unknown method ${body.module}.${body.method}`, details(txHash))
  }
  let args: unknown
  try {
    args = codec.decode(handler.args, body.args)
  } catch (e) {
    throw txError('TX_BAD_ARGS', `${body.module}.${body.method} arguments`, e)
  }
  // Before the signatures: refusing an unknown sender costs a state read, not a verification.
  opts.senders?.check(body.sender, handler.sender, txHash)

  let verified = false
  if (opts.preverified !== undefined) {
    envelopeHash ??= suite.hash(txBytes)
    envelopeHex ??= hexOf(envelopeHash)
    verified = opts.preverified.has(envelopeHex)
  }
  if (!verified) {
    const message = txSigningMessage(signed.body)
    for (const s of signed.signatures) {
      if (!suite.verify(s.publicKey, message, s.signature)) {
        throw new GovchainError('TX_BAD_SIGNATURE', undefined, { ...details(txHash), signer: toHex(s.publicKey) })
      }
    }
    if (envelopeHex !== undefined) opts.preverified?.add?.(envelopeHex)
  }
  return {
    txHash,
    envelopeHash,
    bytes: txBytes,
    body,
    signers: signed.signatures.map((s) => s.publicKey),
    module,
    handler,
    args,
  }
}

/**
 * A cached validation of the same envelope, checked again for what can differ: the height (the
 * validity window, same codes and messages as validateTx) and the sender's registration (the
 * state; nothing else can fail for an envelope that passed once). Another chain id or module registry than the cached one's: undefined, and
 * the caller validates from scratch. Arguments are decoded again so that no handler ever shares
 * an argument object with another execution of the same transaction.
 */
function revalidate(
  v: ValidatedTx,
  envelopeHash: Uint8Array,
  chainId: string,
  height: number,
  opts: ValidateOptions,
  params: ExecutionParams,
): ValidatedTx | undefined {
  const { body } = v
  const txHash = v.txHash
  const module = opts.modules.get(body.module)
  const handler =
    module !== undefined && Object.hasOwn(module.handlers, body.method) ? module.handlers[body.method] : undefined
  if (body.chainId !== chainId || module !== v.module || handler === undefined || handler !== v.handler)
    return undefined
  if (body.validUntilHeight < height) {
    throw new GovchainError('TX_EXPIRED', `valid until height ${body.validUntilHeight}, now ${height}`, details(txHash))
  }
  if (body.validUntilHeight > height + params.maxTxValidityBlocks) {
    throw new GovchainError(
      'TX_VALIDITY_TOO_LONG',
      `valid until ${body.validUntilHeight}, at most ${height + params.maxTxValidityBlocks}`,
      details(txHash),
    )
  }
  let args: unknown
  try {
    args = codec.decode(handler.args, body.args)
  } catch (e) {
    throw txError('TX_BAD_ARGS', `${body.module}.${body.method} arguments`, e)
  }
  // The sender may have been registered or not since: asked again, of the state given now.
  opts.senders?.check(body.sender, handler.sender, txHash)
  return { ...v, envelopeHash, args }
}

/** Builds and signs a transaction (tests, tools, the node's evidence; the SDK has its own for browsers). */
export function signTx(
  suite: CryptoSuite,
  body: TxBody,
  keys: readonly SigningKey[],
): { bytes: Uint8Array; txHash: Uint8Array } {
  const bodyBytes = codec.encode(TxBody, body)
  const message = signingBytes(DOMAIN.tx, bodyBytes)
  const signatures = keys.map((k) => {
    const signer = signerOf(suite, k)
    return { publicKey: signer.publicKey, signature: signer.sign(message) }
  })
  return { bytes: codec.encode(SignedTx, { body: bodyBytes, signatures }), txHash: suite.hash(bodyBytes) }
}
