/**
 * The gateway protocol as pure functions: signed requests, encrypted envelopes and receipt
 * bodies. Both gateways sign the exact encoded bytes; nothing is re-encoded to be verified.
 *
 *   request   = encode(DataRequest), signature = suite.sign(consumerKey, DOMAIN_SHARING.request ‖ request)
 *   envelope  = encode({encryptedKey: suite.encrypt(consumerPublicKey, k), sealed: suite.seal(k, payload, aad = requestHash)})
 *               with a fresh symmetric key k (SM2 + SM4-GCM for gm; HPKE + AES-256-GCM for intl)
 *   receipt   = encode(ReceiptBody{…, requestHash = H(request), responseHash = H(envelope)}),
 *               signed by the provider (in the answer) and the consumer (in the acknowledgement)
 */
import { randomBytes } from 'node:crypto'
import { type CryptoSuite, codec, concatBytes, GovchainError, type SigningKey, signerOf, utf8 } from '@govchain/core'
import { DataEnvelope, DataRequest, DOMAIN_SHARING, ReceiptBody } from '@govchain/sharing/schema'
import type { Row } from './connector.ts'

export interface DataPayload {
  fields: string[]
  rows: Row[]
}

export function signRequest(
  suite: CryptoSuite,
  key: SigningKey,
  req: DataRequest,
): { bytes: Uint8Array; signature: Uint8Array } {
  const bytes = codec.encode(DataRequest, req)
  return { bytes, signature: signerOf(suite, key).sign(concatBytes(DOMAIN_SHARING.request, bytes)) }
}

/** Decodes and checks the request's own signature (against the key it names). */
export function openRequest(suite: CryptoSuite, bytes: Uint8Array, signature: Uint8Array): DataRequest {
  let req: DataRequest
  try {
    req = codec.decode(DataRequest, bytes, 256 * 1024)
  } catch (e) {
    throw new GovchainError('GATEWAY_BAD_REQUEST', `request does not decode: ${String(e)}`)
  }
  if (!suite.verify(req.consumerKey, concatBytes(DOMAIN_SHARING.request, bytes), signature)) {
    throw new GovchainError('GATEWAY_BAD_SIGNATURE')
  }
  return req
}

export function sealPayload(
  suite: CryptoSuite,
  recipientPublicKey: Uint8Array,
  requestHash: Uint8Array,
  payload: DataPayload,
): Uint8Array {
  const key = new Uint8Array(randomBytes(suite.symmetricKeyLength))
  const sealed = suite.seal(key, utf8(JSON.stringify(payload)), requestHash)
  const encryptedKey = suite.encrypt(recipientPublicKey, key)
  key.fill(0)
  return codec.encode(DataEnvelope, { encryptedKey, sealed })
}

export function openPayload(
  suite: CryptoSuite,
  recipient: SigningKey,
  requestHash: Uint8Array,
  envelope: Uint8Array,
): DataPayload {
  const signer = signerOf(suite, recipient)
  const decrypt = signer.decrypt
  if (decrypt === undefined) {
    throw new GovchainError(
      'GATEWAY_CONFIG_INVALID',
      `a gateway key must be able to decrypt; a ${signer.backend} key cannot (use the file keystore)`,
    )
  }
  try {
    const e = codec.decode(DataEnvelope, envelope)
    const key = decrypt(e.encryptedKey)
    const plain = suite.open(key, e.sealed, requestHash)
    const p = JSON.parse(new TextDecoder().decode(plain)) as DataPayload
    if (!Array.isArray(p.fields) || !Array.isArray(p.rows)) throw new Error('payload shape')
    return p
  } catch (e) {
    throw new GovchainError('GATEWAY_BAD_RESPONSE', `cannot open the answer: ${String(e)}`)
  }
}

export function signReceipt(suite: CryptoSuite, key: SigningKey, body: Uint8Array): Uint8Array {
  return signerOf(suite, key).sign(concatBytes(DOMAIN_SHARING.receipt, body))
}

export function verifyReceipt(
  suite: CryptoSuite,
  publicKey: Uint8Array,
  body: Uint8Array,
  signature: Uint8Array,
): boolean {
  return suite.verify(publicKey, concatBytes(DOMAIN_SHARING.receipt, body), signature)
}

export function encodeReceipt(body: ReceiptBody): Uint8Array {
  return codec.encode(ReceiptBody, body)
}

export function newNonce(): Uint8Array {
  return new Uint8Array(randomBytes(16))
}
