/**
 * Crypto suites. `suites.gm` / `suites.intl` pick the fastest implementation of this runtime
 * (Node: node:crypto and the SM2 N-API addon; browsers: pure JS) through the "#crypto-platform"
 * import condition in package.json; `jsSuites` are the pure-JS reference implementations.
 */

import {
  ed25519VerifyBackend,
  hashBackend,
  nativeLoadError,
  platformKdfs,
  platformSuites,
  sm2Backend,
} from '#crypto-platform'
import { GovchainError } from '../errors.ts'
import type { PasswordKdfs } from './kdf.ts'
import type { CryptoSuite } from './suite.ts'

export { CRYPTO_PLAINTEXT_BYTES_MAX } from './common.ts'
export { jsSuites } from './js.ts'
export { jsKdfs, type PasswordKdfs, type ScryptParams } from './kdf.ts'
export * from './keystore.ts'
export * from './signer.ts'
export type { CryptoBackend, CryptoSuite, KeyPair, SuiteName } from './suite.ts'

export const suites: { readonly gm: CryptoSuite; readonly intl: CryptoSuite } = platformSuites

/** The keystore's password KDFs of this runtime (Node: OpenSSL; browsers: @noble/hashes). */
export const kdfs: PasswordKdfs = platformKdfs

/** Looks a suite up by its genesis name; CRYPTO_UNKNOWN_SUITE otherwise. */
export function getSuite(name: string): CryptoSuite {
  if (name === 'gm') return suites.gm
  if (name === 'intl') return suites.intl
  throw new GovchainError('CRYPTO_UNKNOWN_SUITE', `unknown crypto suite: ${String(name)}`, { name })
}

/** 'native' when gm sign/verify run in the SM2 addon over OpenSSL, 'js' otherwise. */
export function cryptoBackend(): 'native' | 'js' {
  return sm2Backend()
}

/**
 * What verifies Ed25519 signatures: libsodium (Node, sodium-native loaded), OpenSSL after the
 * rule's encoding checks (Node without it), or the pure-JS rule; all give the same verdicts
 * (ADR 0013). `error` says why libsodium is not in use.
 */
export function ed25519Backend(): { backend: 'libsodium' | 'openssl' | 'js'; error?: string } {
  return ed25519VerifyBackend()
}

/**
 * What computes suite.hash (SHA-256, SM3): the addon's OpenSSL digest (Node, addon loaded and
 * its vectors reproduced), node:crypto, or the pure-JS hashes (browsers).
 */
export function digestBackend(): 'addon' | 'node' | 'js' {
  return hashBackend()
}

/** Why the SM2 addon did not load (undefined when it did): for diagnostics and the benchmark. */
export function cryptoNativeLoadError(): string | undefined {
  return nativeLoadError()
}
