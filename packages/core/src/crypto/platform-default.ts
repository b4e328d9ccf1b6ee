/**
 * Platform suites for browsers and any non-Node runtime (package.json "imports" condition
 * "default"): the pure-JS suites. Must never import a node: module.
 */
import { jsSuites } from './js.ts'
import { jsKdfs, type PasswordKdfs } from './kdf.ts'
import type { CryptoSuite } from './suite.ts'

export const platformKdfs: PasswordKdfs = jsKdfs

export const platformSuites: { readonly gm: CryptoSuite; readonly intl: CryptoSuite } = jsSuites

/** 'native' when the SM2 N-API addon runs gm sign/verify; always 'js' here. */
export function sm2Backend(): 'native' | 'js' {
  return 'js'
}

/** Why the native addon is not in use (undefined when it is). */
export function nativeLoadError(): string | undefined {
  return 'not a Node runtime'
}

/** Which implementation verifies Ed25519 signatures (always the JS rule here), and why not libsodium. */
export function ed25519VerifyBackend(): { backend: 'libsodium' | 'openssl' | 'js'; error?: string } {
  return { backend: 'js', error: 'not a Node runtime' }
}

/** What computes suite.hash (always the JS hashes here). */
export function hashBackend(): 'addon' | 'node' | 'js' {
  return 'js'
}
