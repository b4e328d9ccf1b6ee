/**
 * Platform suites for Node (package.json "imports" condition "node"): node:crypto fast paths and
 * the SM2 addon, with pure-JS fallback where the addon did not load.
 */

import type { PasswordKdfs } from './kdf.ts'
import { nodeKdfs } from './kdf-node.ts'
import { digestBackend, ed25519Backend, nativeLoadError as loadError, nodeSuites, sm2Native } from './node.ts'
import type { CryptoSuite } from './suite.ts'

export const platformKdfs: PasswordKdfs = nodeKdfs

export const platformSuites: { readonly gm: CryptoSuite; readonly intl: CryptoSuite } = nodeSuites

export function sm2Backend(): 'native' | 'js' {
  return sm2Native ? 'native' : 'js'
}

export function nativeLoadError(): string | undefined {
  return loadError()
}

export function ed25519VerifyBackend(): { backend: 'libsodium' | 'openssl' | 'js'; error?: string } {
  return ed25519Backend()
}

export function hashBackend(): 'addon' | 'node' | 'js' {
  return digestBackend()
}
