/**
 * Errors are data: every error that crosses a package boundary is a GovchainError with a
 * stable `code` from the catalogue below. Codes never change meaning once released; the
 * HTTP status is what the API answers, the exit code what the CLI returns.
 */
export const ERROR_CATALOGUE = {
  // encoding (core)
  DECODE_TRUNCATED: { http: 400, message: 'input ended before the value was complete' },
  DECODE_TRAILING_BYTES: { http: 400, message: 'input has bytes after the value' },
  DECODE_NON_CANONICAL: { http: 400, message: 'input is not in canonical form' },
  DECODE_OVERSIZE: { http: 413, message: 'a field or the input exceeds its size limit' },
  DECODE_INVALID_TAG: { http: 400, message: 'unknown variant tag' },
  DECODE_INVALID_UTF8: { http: 400, message: 'string is not valid UTF-8' },
  ENCODE_INVALID_VALUE: { http: 400, message: 'value does not fit its schema' },
  // crypto (core)
  CRYPTO_INVALID_KEY: { http: 400, message: 'key is malformed or not on the curve' },
  CRYPTO_INVALID_CIPHERTEXT: { http: 400, message: 'ciphertext is malformed' },
  CRYPTO_DECRYPT_FAILED: { http: 400, message: 'decryption or authentication failed' },
  CRYPTO_UNKNOWN_SUITE: { http: 400, message: 'unknown crypto suite' },
  // proofs (core)
  PROOF_INVALID: { http: 400, message: 'proof does not verify' },
  CERTIFICATE_INVALID: { http: 400, message: 'commit certificate does not verify against the validator set' },
  // state tree (core/merkle)
  SMT_NODE_MISSING: { http: 404, message: 'state tree node not found (unknown or pruned root)' },
  SMT_NODE_CORRUPT: { http: 500, message: 'stored state tree node is malformed' },
  // transactions (node/execution, mempool)
  TX_MALFORMED: { http: 400, message: 'transaction bytes do not decode' },
  TX_TOO_LARGE: { http: 413, message: 'transaction exceeds the size limit' },
  TX_WRONG_CHAIN: { http: 400, message: 'transaction is for another chain' },
  TX_BAD_SIGNATURE: { http: 400, message: 'a transaction signature does not verify' },
  TX_SENDER_MISMATCH: { http: 400, message: 'the first signer is not the body sender' },
  TX_EXPIRED: { http: 400, message: 'transaction validUntilHeight has passed' },
  TX_VALIDITY_TOO_LONG: { http: 400, message: 'transaction validUntilHeight is too far ahead' },
  TX_REPLAY: { http: 409, message: 'transaction was already committed' },
  TX_DUPLICATE: { http: 409, message: 'transaction is already in the mempool' },
  TX_UNKNOWN_MODULE: { http: 400, message: 'unknown module' },
  TX_UNKNOWN_METHOD: { http: 400, message: 'unknown method for this module' },
  TX_BAD_ARGS: { http: 400, message: 'transaction arguments do not decode for this method' },
  MEMPOOL_FULL: { http: 503, message: 'mempool is full, retry later' },
  MEMPOOL_SENDER_QUOTA: { http: 429, message: 'too many pending transactions from this sender' },
  // execution (node/execution)
  EXEC_STATE_LIMIT: { http: 400, message: 'transaction exceeds a state key, value or write limit' },
  EXEC_EVENT_LIMIT: { http: 400, message: 'transaction exceeds the event limits' },
  EXEC_INTERNAL: { http: 500, message: 'module handler failed with an untyped error' },
  EXEC_UNKNOWN_KEEPER: { http: 500, message: 'no keeper exported by that module' },
  BLOCK_INVALID: { http: 400, message: 'block does not match its recomputed header or its parent' },
  QUERY_UNKNOWN_HEIGHT: { http: 404, message: 'no block at that height' },
  QUERY_UNKNOWN_MODULE: { http: 404, message: 'unknown module' },
  // storage (node/storage)
  STORE_CONFLICT: { http: 500, message: 'commit does not extend the stored chain' },
  STORE_CLOSED: { http: 500, message: 'store is closed' },
  STORE_CORRUPT: { http: 500, message: 'stored data is malformed' },
  // module anchor (node/modules/anchor)
  ANCHOR_EXISTS: { http: 409, message: 'this document hash is already anchored' },
  ANCHOR_BAD_KIND: { http: 400, message: 'kind must be 1-64 characters of [a-z0-9._:/-]' },
  ANCHOR_BAD_NOTE: { http: 400, message: 'note must be at most 256 bytes of printable text' },
  // consortium PKI (node/pki)
  PKI_INVALID_CERTIFICATE: { http: 400, message: 'certificate is malformed or lacks the govchain identity fields' },
  PKI_INVALID_KEY: { http: 400, message: 'private key is malformed or does not match the certificate' },
  PKI_UNTRUSTED_ISSUER: { http: 403, message: 'certificate is not issued by a trusted organisation CA' },
  // p2p (node/p2p): also the coded reasons a connection is closed with
  P2P_FRAME_OVERSIZE: { http: 413, message: 'frame exceeds the maximum frame size' },
  P2P_FRAME_INVALID: { http: 400, message: 'frame is malformed or on an unknown channel' },
  P2P_HELLO_INVALID: { http: 400, message: 'peer HELLO is malformed or inconsistent with its certificate' },
  P2P_HELLO_BAD_SIGNATURE: { http: 401, message: 'peer HELLO signature does not verify' },
  P2P_HELLO_WRONG_CHAIN: { http: 400, message: 'peer HELLO is for another chain or protocol version' },
  P2P_HELLO_TIMEOUT: { http: 408, message: 'peer did not complete the HELLO in time' },
  P2P_PEER_NOT_ALLOWED: { http: 403, message: 'peer node or its organisation is not allowed' },
  P2P_UNEXPECTED_PEER: { http: 403, message: 'dialed peer presented another node identity' },
  P2P_SEND_QUEUE_FULL: { http: 503, message: 'peer send queue is full of priority messages' },
  P2P_BAD_MESSAGE: { http: 400, message: 'peer message was rejected by its handler' },
  P2P_CLOSED: { http: 503, message: 'p2p transport is closed' },
  P2P_LISTEN_FAILED: { http: 500, message: 'p2p transport could not listen on its address' },
  // consensus (core/certificate, consensus)
  VALIDATOR_SET_INVALID: {
    http: 400,
    message: 'validator set is empty, has a zero or too large power, or repeats a key',
  },
  EVIDENCE_INVALID: { http: 400, message: 'duplicate-vote evidence does not prove an equivocation' },
  SIGNER_REFUSED: {
    http: 409,
    message: 'signer refused: signing could equivocate (same or earlier height/round/step)',
  },
  // generic input
  INVALID_ARGUMENT: { http: 400, message: 'invalid argument' },
  // node HTTP/WebSocket API (node/api)
  NOT_FOUND: { http: 404, message: 'no such route' },
  BLOCK_NOT_FOUND: { http: 404, message: 'no block at that height' },
  TX_NOT_FOUND: { http: 404, message: 'no transaction with that hash is pending or committed' },
  PAYLOAD_TOO_LARGE: { http: 413, message: 'request body exceeds the size limit' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, message: 'request body must be application/json' },
  UPGRADE_REQUIRED: { http: 426, message: 'this route is a WebSocket: send an Upgrade request' },
  RATE_LIMITED: { http: 429, message: 'too many requests from this client, retry later' },
  TOO_MANY_CONNECTIONS: { http: 503, message: 'too many open event streams, retry later' },
  INTERNAL: { http: 500, message: 'internal error' },
  // sdk (client side: raised by the SDK, never answered by a node; the status is the nearest HTTP meaning)
  SDK_NETWORK_ERROR: { http: 503, message: 'the node could not be reached' },
  SDK_TIMEOUT: { http: 504, message: 'timed out waiting for the node' },
  SDK_BAD_RESPONSE: { http: 502, message: 'the node answered with an unexpected response' },
  // daemon, configuration and CLI (node, cli)
  GENESIS_INVALID: { http: 400, message: 'genesis document is invalid' },
  CONFIG_INVALID: { http: 400, message: 'node configuration is invalid' },
  HOME_NOT_FOUND: { http: 404, message: 'node home folder not found or not initialised' },
  HOME_NOT_EMPTY: { http: 409, message: 'target folder already holds a network' },
  NODE_NOT_VALIDATOR: { http: 400, message: 'this node is not in the validator set' },
  NODE_UNREACHABLE: { http: 503, message: 'node did not answer' },
  TX_TIMEOUT: { http: 504, message: 'transaction was not committed in time' },
  // local test networks and the node benchmark (packages/cli/src/testnet.ts, packages/cli/bench)
  TESTNET_TIMEOUT: { http: 504, message: 'the local network did not reach the expected state in time' },
} as const satisfies Record<string, { http: number; message: string }>

export type ErrorCode = keyof typeof ERROR_CATALOGUE

export class GovchainError extends Error {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CATALOGUE[code].message)
    this.name = 'GovchainError'
    this.code = code
    this.details = details
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http
  }

  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

export function isGovchainError(e: unknown): e is GovchainError {
  return e instanceof GovchainError
}
