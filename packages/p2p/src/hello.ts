/**
 * The HELLO each side sends once its TLS handshake is complete (docs/adr/0005-p2p-transport.md).
 *
 * TLS proves that the peer holds a key certified by a consortium organisation for `nodeId`. The
 * HELLO adds proof that the same peer holds the node's chain-suite key (SM2 in gm, Ed25519 in
 * intl), on this very TLS connection: the signature covers the RFC 5705 exporter value of the
 * connection, which differs for every TLS session, so a HELLO recorded on one connection is
 * worthless on another. The `role` field stops a HELLO from being reflected back to its sender on
 * the same connection.
 *
 *   signed bytes = "govchain/p2p-hello/v1\0" || exporter(32) || body
 *
 * and the body travels as those exact bytes (nothing is re-encoded to be verified).
 */
import {
  type CryptoSuite,
  codec,
  concatBytes,
  GovchainError,
  type KeySigner,
  LIMITS,
  type SuiteName,
  utf8,
} from '@govchain/core'

export const P2P_PROTOCOL_VERSION = 1
/** RFC 5705 / RFC 8446 §7.5 exporter label; 32 bytes of keying material. */
export const EXPORTER_LABEL = 'EXPORTER-govchain-p2p'
export const EXPORTER_BYTES = 32
export const HELLO_DOMAIN = utf8('govchain/p2p-hello/v1\0')
/** A HELLO is small; before it is verified the decoder accepts no larger frame than this. */
export const HELLO_FRAME_BYTES_MAX = 2048

const NODE_ID_BYTES_MAX = 64
const SIGNATURE_BYTES_MAX = 128

export type HelloRole = 'dialer' | 'listener'

export const helloBodyCodec = codec.struct({
  version: codec.u16,
  chainId: codec.string(LIMITS.chainIdBytes),
  nodeId: codec.string(NODE_ID_BYTES_MAX),
  suite: codec.literals(['gm', 'intl'] as const),
  publicKey: codec.bytes(LIMITS.publicKeyBytes),
  latestHeight: codec.u64,
  role: codec.literals(['dialer', 'listener'] as const),
})
export type HelloBody = codec.Infer<typeof helloBodyCodec>

const helloCodec = codec.struct({
  body: codec.bytes(1024),
  signature: codec.bytes(SIGNATURE_BYTES_MAX),
})

export interface Hello extends HelloBody {
  /** The encoded body exactly as received. */
  bodyBytes: Uint8Array
  signature: Uint8Array
}

export function helloSigningBytes(exporter: Uint8Array, bodyBytes: Uint8Array): Uint8Array {
  return concatBytes(HELLO_DOMAIN, exporter, bodyBytes)
}

/** Encodes and signs our HELLO for the connection whose exporter value is `exporter`. */
export function createHello(key: KeySigner, exporter: Uint8Array, body: HelloBody): Uint8Array {
  const bodyBytes = codec.encode(helloBodyCodec, body)
  const signature = key.sign(helloSigningBytes(exporter, bodyBytes))
  return codec.encode(helloCodec, { body: bodyBytes, signature })
}

export interface HelloExpectations {
  suite: CryptoSuite
  exporter: Uint8Array
  chainId: string
  version: number
  /** The node id from the peer's verified certificate. */
  certNodeId: string
  /** The role the peer must claim: the opposite of ours. */
  peerRole: HelloRole
}

/**
 * Decodes and checks a peer's HELLO. Throws P2P_HELLO_INVALID (malformed, or nodeId / role /
 * key length inconsistent), P2P_HELLO_WRONG_CHAIN (other chain, suite or protocol version) or
 * P2P_HELLO_BAD_SIGNATURE. Checks run cheapest first; the signature last.
 */
export function verifyHello(bytes: Uint8Array, x: HelloExpectations): Hello {
  let outer: { body: Uint8Array; signature: Uint8Array }
  let body: HelloBody
  try {
    outer = codec.decode(helloCodec, bytes, HELLO_FRAME_BYTES_MAX)
    body = codec.decode(helloBodyCodec, outer.body, HELLO_FRAME_BYTES_MAX)
  } catch (e) {
    const why = e instanceof GovchainError ? `${e.code}: ${e.message}` : 'undecodable'
    throw new GovchainError('P2P_HELLO_INVALID', `HELLO does not decode (${why})`)
  }
  if (body.version !== x.version) {
    throw new GovchainError('P2P_HELLO_WRONG_CHAIN', `protocol version ${body.version}, expected ${x.version}`)
  }
  if (body.chainId !== x.chainId) {
    throw new GovchainError('P2P_HELLO_WRONG_CHAIN', `chain ${JSON.stringify(body.chainId)}, expected ${x.chainId}`)
  }
  if (body.suite !== (x.suite.name satisfies SuiteName)) {
    throw new GovchainError('P2P_HELLO_WRONG_CHAIN', `suite ${body.suite}, expected ${x.suite.name}`)
  }
  if (body.nodeId !== x.certNodeId) {
    throw new GovchainError('P2P_HELLO_INVALID', `HELLO nodeId ${body.nodeId} differs from certificate ${x.certNodeId}`)
  }
  if (body.role !== x.peerRole) throw new GovchainError('P2P_HELLO_INVALID', `peer claims role ${body.role}`)
  if (body.publicKey.length !== x.suite.publicKeyLength || outer.signature.length !== x.suite.signatureLength) {
    throw new GovchainError('P2P_HELLO_INVALID', 'public key or signature length does not fit the suite')
  }
  if (!x.suite.verify(body.publicKey, helloSigningBytes(x.exporter, outer.body), outer.signature)) {
    throw new GovchainError('P2P_HELLO_BAD_SIGNATURE')
  }
  return { ...body, bodyBytes: outer.body, signature: outer.signature }
}
