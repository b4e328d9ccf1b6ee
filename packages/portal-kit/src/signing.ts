/**
 * What a page's transaction builder gets from the app: the logged-in identity's key and the
 * chain. Application pages that sign off-chain messages keep those in their own package.
 */
import type { BuiltTx } from '@govchain/client'
import { type CryptoSuite, decode, encode, LIMITS, SignedTx, type SigningKey, toHex } from '@govchain/core'
import type { BrowserSigner } from './key-store.ts'

/** What the app hands a transaction builder: the logged-in identity's key and the chain. */
export interface Signer {
  suite: CryptoSuite
  chainId: string
  privateKey: SigningKey
  validUntilHeight: number
}

export function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes)
  crypto.getRandomValues(b)
  return toHex(b)
}

/**
 * Builds a transaction with a browser key, which signs only asynchronously (a WebCrypto key):
 * the builder runs with a stand-in signer that records the bytes to sign, then the browser key
 * signs them and its signature replaces the stand-in's. The body, and so the hash, are the
 * builder's own. A builder that signs more than once (a credential besides the transaction)
 * is refused: it needs the key bytes.
 */
export async function buildWithBrowserKey(
  signer: BrowserSigner,
  suite: CryptoSuite,
  build: (key: SigningKey) => BuiltTx,
): Promise<BuiltTx> {
  const messages: Uint8Array[] = []
  const standIn = {
    suite: suite.name,
    backend: 'memory' as const,
    publicKey: signer.publicKey,
    sign: (m: Uint8Array) => {
      messages.push(m.slice())
      return new Uint8Array(suite.signatureLength)
    },
  }
  const built = build(standIn)
  if (messages.length !== 1) throw new Error('this action signs more than a transaction: it needs a demo key')
  const signature = await signer.sign(messages[0]!)
  const tx = decode(SignedTx, built.bytes, LIMITS.txBytes)
  const [first, ...rest] = tx.signatures
  const bytes = encode(SignedTx, { body: tx.body, signatures: [{ publicKey: first!.publicKey, signature }, ...rest] })
  return { ...built, bytes }
}
