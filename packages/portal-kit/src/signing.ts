/**
 * What a page's transaction builder gets from the app: the logged-in identity's key and the
 * chain. Application pages that sign off-chain messages keep those in their own package.
 */
import { type CryptoSuite, toHex } from '@govchain/core'

/** What the app hands a transaction builder: the logged-in identity's key and the chain. */
export interface Signer {
  suite: CryptoSuite
  chainId: string
  privateKey: Uint8Array
  validUntilHeight: number
}

export function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes)
  crypto.getRandomValues(b)
  return toHex(b)
}
