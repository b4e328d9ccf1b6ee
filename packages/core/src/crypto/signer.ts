/**
 * The key-custody contract: whatever holds a private key of the chain suite and signs with it.
 * Validator votes and proposals, the p2p HELLO, officers' and operators' transactions and
 * gateway receipts all sign through a KeySigner, never with key bytes they hold themselves, so
 * the key may live in memory (development), in an encrypted keystore file, or on a PKCS#11
 * token whose keys never leave it (docs/adr/0023-key-custody.md).
 *
 * Signing is synchronous: consensus signs inside its state machine's step, and every backend
 * here signs synchronously (node:crypto, the SM2 addon, PKCS#11 C_Sign).
 */
import { GovchainError } from '../errors.ts'
import type { CryptoSuite, SuiteName } from './suite.ts'

/** Where a signer's key lives (for logs and diagnostics; behaviour never depends on it). */
export type KeyBackend = 'memory' | 'file' | 'pkcs11'

export interface KeySigner {
  readonly suite: SuiteName
  readonly backend: KeyBackend
  /** The suite public key (gm: 65 bytes 04||x||y; intl: 32). */
  readonly publicKey: Uint8Array
  /** The suite signature (64 bytes) over `message`, exactly as suite.sign would make it. */
  sign(message: Uint8Array): Uint8Array
  /**
   * The suite's public-key decryption with this key (suite.decrypt). Absent where the backend
   * cannot: a token's Ed25519 key cannot run HPKE on its X25519 form.
   */
  decrypt?(ciphertext: Uint8Array): Uint8Array
}

/** A private key given as bytes, or a signer: what the transaction builders accept. */
export type SigningKey = Uint8Array | KeySigner

/**
 * A signer over key bytes held in this process (tests, tools, the development network, and the
 * file backend once its keystore is open). Throws CRYPTO_INVALID_KEY on a malformed key.
 */
export function memorySigner(suite: CryptoSuite, privateKey: Uint8Array, backend: KeyBackend = 'memory'): KeySigner {
  const key = privateKey.slice()
  const publicKey = suite.publicKeyFromPrivate(key)
  return {
    suite: suite.name,
    backend,
    publicKey,
    sign: (message) => suite.sign(key, message),
    decrypt: (ciphertext) => suite.decrypt(key, ciphertext),
  }
}

export function isKeySigner(key: SigningKey): key is KeySigner {
  return !(key instanceof Uint8Array) && typeof (key as KeySigner).sign === 'function'
}

/** The signer of a SigningKey; refuses a signer of another suite (INVALID_ARGUMENT). */
export function signerOf(suite: CryptoSuite, key: SigningKey): KeySigner {
  if (!isKeySigner(key)) return memorySigner(suite, key)
  if (key.suite !== suite.name) {
    throw new GovchainError('INVALID_ARGUMENT', `a ${key.suite} key cannot sign for a ${suite.name} chain`)
  }
  return key
}

/**
 * A signer that signs only through a promise: a person's key held in their browser (a
 * non-extractable WebCrypto Ed25519 key, or a keystore opened in the page, ADR 0032), or a demo
 * key. Portal pages sign everything through this one contract: transactions, credentials and
 * off-chain messages (signed queries, gateway requests). The signature is the suite's, over the
 * same bytes a KeySigner would sign (docs/adr/0037-async-signer.md).
 */
export interface AsyncSigner {
  readonly suite: SuiteName
  /** The suite public key. */
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
}

/** Key bytes or a KeySigner as an AsyncSigner: synchronous callers of the asynchronous builders. */
export function asyncSignerOf(suite: CryptoSuite, key: SigningKey): AsyncSigner {
  const s = signerOf(suite, key)
  return { suite: s.suite, publicKey: s.publicKey, sign: async (m) => s.sign(m) }
}

/**
 * Something signed once, before its signature: the exact bytes to sign and how the signature
 * completes it. A signed format is written once as a ToSign; `signNow` completes it with a
 * synchronous key (SDK, CLI), `signWith` with an AsyncSigner (portal pages).
 */
export interface ToSign<T> {
  readonly message: Uint8Array
  finish(signature: Uint8Array): T
}

export function signNow<T>(suite: CryptoSuite, key: SigningKey, u: (publicKey: Uint8Array) => ToSign<T>): T {
  const s = signerOf(suite, key)
  const made = u(s.publicKey)
  return made.finish(s.sign(made.message))
}

export async function signWith<T>(signer: AsyncSigner, u: (publicKey: Uint8Array) => ToSign<T>): Promise<T> {
  const made = u(signer.publicKey)
  return made.finish(await signer.sign(made.message))
}
