/**
 * What a page signs with: ONE asynchronous signer (`AsyncSigner` of @govchain/core) for a demo
 * identity's key and a person's own browser key alike (ADR 0037). Transactions go through
 * `app.submit`; credentials and off-chain messages (signed queries, gateway requests) through
 * the application builders' `…With(signer, …)` forms or `signHex`.
 */
import type { AsyncSigner, CryptoSuite, SigningKey } from '@govchain/core'
import { toHex } from '@govchain/core'

export type { AsyncSigner }

/**
 * What the app hands a transaction builder: the chain, a key for the builder's one signature
 * (a stand-in: the page's signer signs the bytes it records, client.buildTxWith), and the page's
 * signer itself, for a builder that signs more than the transaction (a credential first).
 */
export interface Signer {
  suite: CryptoSuite
  chainId: string
  privateKey: SigningKey
  validUntilHeight: number
  signer: AsyncSigner
}

export function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes)
  crypto.getRandomValues(b)
  return toHex(b)
}

/** The page signer's signature over `message`, in hex (an off-chain request's signature field). */
export async function signHex(signer: AsyncSigner, message: Uint8Array): Promise<string> {
  return toHex(await signer.sign(message))
}
