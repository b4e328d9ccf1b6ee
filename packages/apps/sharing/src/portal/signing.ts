/**
 * Off-chain signatures the sharing pages make with the logged-in identity's key: the challenge
 * answer for "who used my data" and lineage (docs/sharing-api.md), and the officer's request to
 * its own data gateway. The exact bytes are fixed by the contracts; the node and the gateway
 * check them.
 */
import { type CryptoSuite, fromHex, toHex } from '@govchain/core'
import { signSharingAuth } from '../client.ts'

const te = new TextEncoder()

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
