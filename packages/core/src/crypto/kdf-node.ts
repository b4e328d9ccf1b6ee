/**
 * The keystore KDFs on Node: OpenSSL's PBKDF2 and scrypt through node:crypto (3-4x faster than the
 * JS versions for PBKDF2-HMAC-SM3). An OpenSSL built without SM3 falls back to the JS PBKDF2.
 */
import { getHashes, pbkdf2Sync, scryptSync } from 'node:crypto'
import { jsKdfs, type PasswordKdfs, scryptMemoryBytes } from './kdf.ts'

const hasSm3 = getHashes().includes('sm3')

const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

export const nodeKdfs: PasswordKdfs = {
  backend: 'node',
  pbkdf2Sm3: (password, salt, iterations, dkLen) =>
    hasSm3
      ? plain(pbkdf2Sync(password, salt, iterations, dkLen, 'sm3'))
      : jsKdfs.pbkdf2Sm3(password, salt, iterations, dkLen),
  scrypt: (password, salt, params) =>
    plain(
      scryptSync(password, salt, params.dkLen, {
        N: params.n,
        r: params.r,
        p: params.p,
        maxmem: scryptMemoryBytes(params) + 4096,
      }),
    ),
}
