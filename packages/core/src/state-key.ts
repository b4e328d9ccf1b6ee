/**
 * Where a module's state lives in the chain's sparse Merkle tree: `<module>/<key>`, the UTF-8
 * module name, a slash, the module's own key bytes. Module names cannot contain a slash, so no
 * module can name another module's keys. The executing node and every verifier of a state proof
 * (light client, SDK, portal) compute the same path with this one function.
 */
import { GovchainError } from './errors.ts'

/** A module name: what transactions, state paths and API routes name a module by. */
export const MODULE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/

/** Encoded `<module>/` prefixes (module names are few; bounded anyway). */
const prefixes = new Map<string, Uint8Array>()
const PREFIXES_MAX = 256
const encoder = new TextEncoder()

/** The tree path of `key` in `module`'s state. INVALID_ARGUMENT for a bad module name or key. */
export function stateKey(module: string, key: Uint8Array): Uint8Array {
  let prefix = prefixes.get(module)
  if (prefix === undefined) {
    if (typeof module !== 'string' || !MODULE_NAME_PATTERN.test(module)) {
      throw new GovchainError('INVALID_ARGUMENT', `invalid module name ${String(module)}`)
    }
    prefix = encoder.encode(`${module}/`)
    if (prefixes.size < PREFIXES_MAX) prefixes.set(module, prefix)
  }
  if (!(key instanceof Uint8Array)) throw new GovchainError('INVALID_ARGUMENT', 'key must be a Uint8Array')
  const out = new Uint8Array(prefix.length + key.length)
  out.set(prefix)
  out.set(key, prefix.length)
  return out
}
