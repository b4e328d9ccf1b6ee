/**
 * Building and signing transactions, offline, with either crypto suite.
 *
 * A signed transaction is SignedTx {body: the encoded TxBody bytes, signatures}. Each signature
 * is suite.sign(privateKey, DOMAIN.tx || body) over the exact body bytes that travel; the
 * transaction hash is suite.hash(body), so it does not change when officers add signatures.
 */
import {
  type AsyncSigner,
  type CryptoSuite,
  type codec,
  DOMAIN,
  decode,
  encode,
  equalBytes,
  GovchainError,
  LIMITS,
  SignedTx,
  type SigningKey,
  signerOf,
  signingBytes,
  TxBody,
  toHex,
} from '@govchain/core'

export interface BuildTxOptions {
  suite: CryptoSuite
  chainId: string
  /**
   * The sender's key: its bytes, or a KeySigner (a keystore or a PKCS#11 token: the bytes never
   * reach this code). The sender's public key is the signer's; it signs first.
   */
  privateKey: SigningKey
  module: string
  method: string
  /** The method's encoded arguments (see the module codecs in @govchain/core). */
  args: Uint8Array
  /** Replay guard, unique per sender. Default: a random integer below 2^53. */
  nonce?: number
  /** Last height at which the chain may include the transaction. */
  validUntilHeight: number
}

export interface BuiltTx {
  /** The SignedTx bytes to submit (`client.submitTx(bytes)`). */
  bytes: Uint8Array
  /** suite.hash(body bytes). */
  hash: Uint8Array
  /** The hash in hex, as the API reports it. */
  hashHex: string
  body: TxBody
}

/** A uniformly random integer in [0, 2^53) from the platform CSPRNG (Web Crypto, also in Node 20). */
export function randomNonce(): number {
  const words = new Uint32Array(2)
  globalThis.crypto.getRandomValues(words)
  // 21 high bits + 32 low bits = 53 bits, all exactly representable in a double.
  return (words[0]! & 0x1f_ffff) * 2 ** 32 + words[1]!
}

export function buildTx(options: BuildTxOptions): BuiltTx {
  const { suite } = options
  if (typeof suite !== 'object' || suite === null || typeof suite.sign !== 'function') {
    throw new GovchainError('INVALID_ARGUMENT', 'suite must be a CryptoSuite (suites.gm or suites.intl)')
  }
  const signer = signerOf(suite, options.privateKey)
  const sender = signer.publicKey
  const body: TxBody = {
    chainId: options.chainId,
    sender,
    nonce: options.nonce ?? randomNonce(),
    validUntilHeight: options.validUntilHeight,
    module: options.module,
    method: options.method,
    args: options.args,
  }
  // encode validates every field (lengths, integer ranges) and throws ENCODE_INVALID_VALUE.
  const bodyBytes = encode(TxBody, body)
  const signature = signer.sign(signingBytes(DOMAIN.tx, bodyBytes))
  const bytes = encode(SignedTx, { body: bodyBytes, signatures: [{ publicKey: sender, signature }] })
  const hash = suite.hash(bodyBytes)
  return { bytes, hash, hashHex: toHex(hash), body }
}

/**
 * Builds a transaction with an AsyncSigner (a key held in a browser signs only through a
 * promise): `build` runs with a stand-in key that records the bytes it is asked to sign and
 * answers a placeholder; the signer then signs those bytes and its signature replaces the
 * placeholder. Body and hash are `build`'s own, so every synchronous builder serves unchanged.
 * `build` may itself be asynchronous and sign with `signer` directly (a credential, then the
 * transaction): when the stand-in signed nothing, its result is taken as it is. A builder that
 * asks the stand-in for more than one signature is refused (INVALID_ARGUMENT).
 */
export async function buildTxWith(
  signer: AsyncSigner,
  suite: CryptoSuite,
  build: (key: SigningKey) => BuiltTx | Promise<BuiltTx>,
): Promise<BuiltTx> {
  const messages: Uint8Array[] = []
  const standIn = {
    suite: signer.suite,
    backend: 'memory' as const,
    publicKey: signer.publicKey,
    sign: (m: Uint8Array) => {
      messages.push(m.slice())
      return new Uint8Array(suite.signatureLength)
    },
  }
  const built = await build(standIn)
  if (messages.length === 0) return built
  if (messages.length > 1) {
    throw new GovchainError('INVALID_ARGUMENT', 'a builder asked the stand-in key for more than one signature')
  }
  const signature = await signer.sign(messages[0]!)
  const tx = decode(SignedTx, built.bytes, LIMITS.txBytes)
  const [first, ...rest] = tx.signatures
  if (first === undefined || !equalBytes(first.publicKey, signer.publicKey)) {
    throw new GovchainError('INVALID_ARGUMENT', "the stand-in key is not the transaction's first signer")
  }
  const bytes = encode(SignedTx, { body: tx.body, signatures: [{ publicKey: first.publicKey, signature }, ...rest] })
  return { ...built, bytes }
}

/**
 * Adds one more signature (another officer's) to a signed transaction. The body, and so the
 * hash, stay the same. Rejects a key that already signed and more than LIMITS.signaturesPerTx.
 */
/** What an application's transaction builder needs besides its arguments. */
export interface TxCommon {
  suite: CryptoSuite
  chainId: string
  /** The signer's key: its bytes or a KeySigner. */
  privateKey: SigningKey
  validUntilHeight: number
  nonce?: number
}

/** A `module.method` transaction with `args` encoded by the method's codec: the one builder application clients share. */
export function moduleTx<A>(module: string, o: TxCommon, method: string, argsCodec: codec.Codec<A>, args: A): BuiltTx {
  return buildTx({
    suite: o.suite,
    chainId: o.chainId,
    privateKey: o.privateKey,
    module,
    method,
    args: encode(argsCodec, args),
    validUntilHeight: o.validUntilHeight,
    ...(o.nonce === undefined ? {} : { nonce: o.nonce }),
  })
}

export function addSignature(txBytes: Uint8Array, suite: CryptoSuite, privateKey: SigningKey): Uint8Array {
  const tx = decode(SignedTx, txBytes, LIMITS.txBytes)
  const signer = signerOf(suite, privateKey)
  const publicKey = signer.publicKey
  if (tx.signatures.some((s) => equalBytes(s.publicKey, publicKey))) {
    throw new GovchainError('INVALID_ARGUMENT', 'this key has already signed the transaction')
  }
  if (tx.signatures.length >= LIMITS.signaturesPerTx) {
    throw new GovchainError('INVALID_ARGUMENT', `a transaction carries at most ${LIMITS.signaturesPerTx} signatures`)
  }
  const signature = signer.sign(signingBytes(DOMAIN.tx, tx.body))
  return encode(SignedTx, { body: tx.body, signatures: [...tx.signatures, { publicKey, signature }] })
}

export interface DecodedTx {
  body: TxBody
  bodyBytes: Uint8Array
  signatures: SignedTx['signatures']
  hash: Uint8Array
  hashHex: string
}

/** Decodes a SignedTx and its body (DECODE_* errors on malformed input); verifies nothing. */
export function decodeTx(txBytes: Uint8Array, suite: CryptoSuite): DecodedTx {
  const tx = decode(SignedTx, txBytes, LIMITS.txBytes)
  const body = decode(TxBody, tx.body)
  const hash = suite.hash(tx.body)
  return { body, bodyBytes: tx.body, signatures: tx.signatures, hash, hashHex: toHex(hash) }
}

/** The transaction hash of SignedTx bytes: suite.hash(body bytes). */
export function txHash(txBytes: Uint8Array, suite: CryptoSuite): Uint8Array {
  return suite.hash(decode(SignedTx, txBytes, LIMITS.txBytes).body)
}

/**
 * Checks what a node's admission checks: the body decodes, there is at least one signature, the
 * first signer is the sender, no key signs twice, and every signature verifies. Returns the
 * signers' public keys; throws INVALID_ARGUMENT naming the first failure.
 */
export function verifyTxSignatures(txBytes: Uint8Array, suite: CryptoSuite): Uint8Array[] {
  const { body, bodyBytes, signatures } = decodeTx(txBytes, suite)
  const first = signatures[0]
  if (first === undefined) throw new GovchainError('INVALID_ARGUMENT', 'transaction has no signature')
  if (!equalBytes(first.publicKey, body.sender)) {
    throw new GovchainError('INVALID_ARGUMENT', 'the first signature is not the sender')
  }
  const message = signingBytes(DOMAIN.tx, bodyBytes)
  const seen = new Set<string>()
  signatures.forEach((s, index) => {
    const key = toHex(s.publicKey)
    if (seen.has(key)) throw new GovchainError('INVALID_ARGUMENT', 'a key signs twice', { index })
    seen.add(key)
    if (!suite.verify(s.publicKey, message, s.signature)) {
      throw new GovchainError('INVALID_ARGUMENT', `signature ${index} does not verify`, { index })
    }
  })
  return signatures.map((s) => s.publicKey)
}
