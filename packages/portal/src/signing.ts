/**
 * Off-chain signatures the portal makes with the logged-in identity's key: the challenge
 * answer for "who used my data" and lineage (docs/sharing-api.md), and the officer's request to
 * its own data gateway. The exact bytes are fixed by the contracts; the node and the gateway
 * check them.
 */
import { type CryptoSuite, fromHex, signSharingAuth, toHex } from '@govchain/sdk'

const te = new TextEncoder()

/** What the app hands a transaction builder: the logged-in identity's key and the chain. */
export interface Signer {
  suite: CryptoSuite
  chainId: string
  privateKey: Uint8Array
  validUntilHeight: number
}

export function sharingAuthSignature(
  suite: CryptoSuite,
  privateKeyHex: string,
  chainId: string,
  purpose: 'my-accesses' | 'lineage',
  challenge: string,
): string {
  return signSharingAuth({ suite, chainId, privateKey: fromHex(privateKeyHex), purpose, challenge })
}

export function gatewayLocalSignature(
  suite: CryptoSuite,
  privateKeyHex: string,
  grantIdHex: string,
  fields: readonly string[],
  filter: { field: string; values: readonly string[] } | null,
  timeMs: number,
  nonceHex: string,
): string {
  const message = te.encode(
    `govchain/gateway-local/v1\n${JSON.stringify([grantIdHex, fields, filter, timeMs, nonceHex])}`,
  )
  return toHex(suite.sign(fromHex(privateKeyHex), message))
}

export function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes)
  crypto.getRandomValues(b)
  return toHex(b)
}
