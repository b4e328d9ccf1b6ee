/** Helpers for the `anchor` module: record a document hash; read the record back. */

import { type BuiltTx, buildTx } from '@govchain/client'
import { type CryptoSuite, decode, encode, type SigningKey, toHex } from '@govchain/core'
import { ANCHOR_METHODS, ANCHOR_MODULE, AnchorPutArgs, AnchorRecord, anchorKey } from './schema.ts'

export interface AnchorPutOptions {
  suite: CryptoSuite
  chainId: string
  /** The sender's key: its bytes or a KeySigner. */
  privateKey: SigningKey
  /** The document's 32-byte hash (computed off chain; the document never goes on chain). */
  hash: Uint8Array
  /** What kind of document, e.g. 'contract' or 'licence' (≤ 64 bytes). */
  kind: string
  /** Optional free text (≤ 256 bytes). Never personal data: the chain is readable by every member. */
  note?: string
  nonce?: number
  validUntilHeight: number
}

/** Builds and signs an `anchor.put` transaction. */
export function anchorPut(options: AnchorPutOptions): BuiltTx {
  const args: AnchorPutArgs =
    options.note === undefined
      ? { hash: options.hash, kind: options.kind }
      : { hash: options.hash, kind: options.kind, note: options.note }
  return buildTx({
    suite: options.suite,
    chainId: options.chainId,
    privateKey: options.privateKey,
    module: ANCHOR_MODULE,
    method: ANCHOR_METHODS.put,
    args: encode(AnchorPutArgs, args),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    validUntilHeight: options.validUntilHeight,
  })
}

/** The state key (hex) under which the anchor module stores a document's record. */
export function anchorKeyHex(hash: Uint8Array): string {
  return toHex(anchorKey(hash))
}

/** Decodes a stored anchor record (e.g. the `value` of a verified state answer). */
export function decodeAnchorRecord(value: Uint8Array): AnchorRecord {
  return decode(AnchorRecord, value)
}
