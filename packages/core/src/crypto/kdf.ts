/**
 * Password-based key derivation for the keystore (docs/adr/0023-key-custody.md): PBKDF2 (RFC 8018
 * §5.2) with HMAC-SM3 for the gm suite, scrypt (RFC 7914) for intl. The pure-JS versions are
 * @noble/hashes' pbkdf2 and scrypt over this package's SM3 (a noble hash); Node runs OpenSSL's
 * through node:crypto (platform-node.ts), checked against these on the same inputs.
 */
import { pbkdf2 } from '@noble/hashes/pbkdf2.js'
import { scrypt } from '@noble/hashes/scrypt.js'
import { sm3 } from './js/sm3.ts'

export interface ScryptParams {
  n: number
  r: number
  p: number
  dkLen: number
}

export interface PasswordKdfs {
  /** Which implementation runs ('node': OpenSSL through node:crypto; 'js': @noble/hashes). */
  readonly backend: 'node' | 'js'
  pbkdf2Sm3(password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Uint8Array
  scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptParams): Uint8Array
}

/** scrypt's working memory: 128·r·n bytes for V plus 256·r for the block buffers (RFC 7914 §5). */
export function scryptMemoryBytes(params: ScryptParams): number {
  return 128 * params.r * (params.n + 2 + params.p)
}

export const jsKdfs: PasswordKdfs = {
  backend: 'js',
  pbkdf2Sm3: (password, salt, iterations, dkLen) => pbkdf2(sm3, password, salt, { c: iterations, dkLen }),
  scrypt: (password, salt, { n, r, p, dkLen }) =>
    scrypt(password, salt, { N: n, r, p, dkLen, maxmem: scryptMemoryBytes({ n, r, p, dkLen }) + 4096 }),
}
