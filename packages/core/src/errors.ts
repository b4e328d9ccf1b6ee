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
  // key custody (core/keystore, keys): docs/adr/0023-key-custody.md
  KEYSTORE_INVALID: { http: 400, message: 'keystore file is malformed or uses unsupported parameters' },
  KEYSTORE_WRONG_PASSPHRASE: { http: 401, message: 'wrong passphrase: the keystore does not open with it' },
  KEY_PASSPHRASE_MISSING: {
    http: 400,
    message: 'no passphrase given: type it at the prompt, or set GOVCHAIN_PASSPHRASE, or pass --passphrase-fd',
  },
  KEY_PLAINTEXT_REFUSED: {
    http: 403,
    message: 'a plain (unencrypted) key file is accepted only on a development network (--dev)',
  },
  PKCS11_UNAVAILABLE: { http: 501, message: 'the PKCS#11 module or the pkcs11js binding cannot be loaded' },
  PKCS11_TOKEN_NOT_FOUND: { http: 404, message: 'no PKCS#11 token with that label is present' },
  PKCS11_KEY_NOT_FOUND: { http: 404, message: 'the token holds no key pair with that label' },
  PKCS11_LOGIN_FAILED: { http: 401, message: 'the PKCS#11 token refused the PIN' },
  PKCS11_FAILED: { http: 500, message: 'a PKCS#11 call failed' },
  PKCS11_ENGINE_UNAVAILABLE: {
    http: 501,
    message: "OpenSSL's PKCS#11 engine (libengine-pkcs11-openssl) cannot be loaded for the TLS key on a token",
  },
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
  TX_SENDER_UNREGISTERED: {
    http: 403,
    message: 'the sender is not a registered identity (officer, DID, gateway or validator key) this method requires',
  },
  MEMPOOL_FULL: { http: 503, message: 'mempool is full, retry later' },
  MEMPOOL_SENDER_QUOTA: { http: 429, message: 'too many pending transactions from this sender' },
  NODE_STOPPING: { http: 503, message: 'the node is shutting down: send the request to another node' },
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
  STORE_UNWRITABLE: {
    http: 503,
    message: "the node's storage refused a write (disk full or failing): send the request to another node",
  },
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
  P2P_CERT_REVOKED: { http: 403, message: "peer's TLS certificate is revoked by the consortium's governance" },
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
  EVIDENCE_INVALID: {
    http: 400,
    message: 'equivocation evidence (duplicate votes or proposals) does not prove an equivocation',
  },
  SIGNER_REFUSED: {
    http: 409,
    message: 'signer refused: signing could equivocate (same or earlier height/round/step)',
  },
  SIGNER_STATE_DAMAGED: {
    http: 500,
    message:
      "the consensus signer's record names a lock whose value is not in its store: restore the node's home from a backup",
  },
  // generic input
  INVALID_ARGUMENT: { http: 400, message: 'invalid argument' },
  INVALID_DATE_RANGE: { http: 400, message: 'the date range is empty: its start is after its end' },
  // node HTTP/WebSocket API (node/api)
  NOT_FOUND: { http: 404, message: 'no such route' },
  BLOCK_NOT_FOUND: { http: 404, message: 'no block at that height' },
  TX_NOT_FOUND: { http: 404, message: 'no transaction with that hash is pending or committed' },
  PAYLOAD_TOO_LARGE: { http: 413, message: 'request body exceeds the size limit' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, message: 'request body must be application/json' },
  UPGRADE_REQUIRED: { http: 426, message: 'this route is a WebSocket: send an Upgrade request' },
  RATE_LIMITED: { http: 429, message: 'too many requests from this client, retry later' },
  TOO_MANY_CONNECTIONS: { http: 503, message: 'too many open event streams, retry later' },
  CLIENT_STREAM_LIMIT: { http: 429, message: 'too many open event streams from this address, close one first' },
  CLIENT_CHALLENGE_LIMIT: {
    http: 429,
    message: 'too many outstanding challenges from this address, use one or let them expire',
  },
  URI_TOO_LONG: { http: 414, message: 'a path parameter exceeds its length limit' },
  HEADERS_TOO_LARGE: { http: 431, message: 'request headers exceed the size limit' },
  HTTP_MALFORMED: { http: 400, message: 'the request is not valid HTTP' },
  REQUEST_TIMEOUT: { http: 408, message: 'the request was not received in time' },
  INTERNAL: { http: 500, message: 'internal error' },
  // browser-facing local servers (portal, gateway local API): DNS rebinding and cross-site requests
  HOST_NOT_ALLOWED: { http: 421, message: 'this server does not answer for that Host name' },
  ORIGIN_NOT_ALLOWED: { http: 403, message: 'cross-origin requests are refused' },
  DEV_NETWORK_ONLY: { http: 403, message: 'demo keys are served only by a network created with --dev' },
  // portal sign-in (app/signin; docs/adr/0032-portal-sign-in.md)
  SESSION_REQUIRED: { http: 401, message: 'sign in first: this call needs a session (it is missing or has expired)' },
  CSRF_MISMATCH: { http: 403, message: 'the request lacks the session CSRF token (X-CSRF-Token) or it does not match' },
  CHALLENGE_EXPIRED: { http: 401, message: 'the sign-in challenge has expired: ask for a new one' },
  CHALLENGE_UNKNOWN: { http: 401, message: 'no such sign-in challenge: it was never issued or was already used' },
  SIGNIN_SIGNATURE_INVALID: { http: 401, message: 'the sign-in signature does not verify for that public key' },
  SIGNIN_KEY_UNKNOWN: {
    http: 403,
    message: 'the key is not registered on chain to an active officer or a DID',
  },
  SIGNIN_BUSY: { http: 503, message: 'too many sign-in challenges or sessions are open, retry later' },
  MAILBOX_AUTH_INVALID: {
    http: 401,
    message: 'the request must be signed by the holder (or the issuing officer) with a current key',
  },
  // sdk (client side: raised by the SDK, never answered by a node; the status is the nearest HTTP meaning)
  SDK_NETWORK_ERROR: { http: 503, message: 'the node could not be reached' },
  SDK_TIMEOUT: { http: 504, message: 'timed out waiting for the node' },
  SDK_BAD_RESPONSE: { http: 502, message: 'the node answered with an unexpected response' },
  SDK_NODE_BEHIND: { http: 503, message: 'the node is behind the height this client has already seen' },
  SDK_LIST_TOO_LONG: { http: 413, message: 'the list is longer than the client collects at once' },
  // daemon, configuration and CLI (node, cli)
  GENESIS_INVALID: { http: 400, message: 'genesis document is invalid' },
  GENESIS_MODULE_MISSING: { http: 400, message: 'the genesis names a module this node does not have' },
  GENESIS_MODULE_VERSION: { http: 400, message: 'the genesis pins a module at another version than this node has' },
  MODULE_REQUIREMENT_MISSING: { http: 500, message: 'a module requires another module that is not in the set' },
  COMPONENT_NOT_INSTALLED: { http: 501, message: 'an optional component this command needs is not installed' },
  CONFIG_INVALID: { http: 400, message: 'node configuration is invalid' },
  HOME_NOT_FOUND: { http: 404, message: 'node home folder not found or not initialised' },
  HOME_NOT_EMPTY: { http: 409, message: 'target folder already holds a network' },
  NODE_NOT_VALIDATOR: { http: 400, message: 'this node is not in the validator set' },
  NODE_UNREACHABLE: { http: 503, message: 'node did not answer' },
  TX_TIMEOUT: { http: 504, message: 'transaction was not committed in time' },
  // backup and restore (node/backup.ts; docs/adr/0027-backup-and-restore.md)
  BACKUP_EXISTS: { http: 409, message: 'the backup file exists; it is never overwritten' },
  BACKUP_INVALID: {
    http: 400,
    message: 'not a govchain backup: not a tar archive, truncated, or its manifest is missing or malformed',
  },
  BACKUP_CHECKSUM: { http: 400, message: 'a file in the backup does not match the size or hash in its manifest' },
  BACKUP_FOREIGN: { http: 409, message: 'the backup is of another chain or another node than the target home' },
  RESTORE_NODE_RUNNING: { http: 409, message: 'the node of the home to restore is running (its API port answers)' },
  // state snapshots (node/snapshot.ts; docs/adr/0029-state-snapshots.md)
  SNAPSHOT_EXISTS: { http: 409, message: 'the snapshot file exists; it is never overwritten' },
  SNAPSHOT_CORRUPT: {
    http: 400,
    message: 'not a govchain snapshot, or truncated, or a part of it does not match the hash in its manifest',
  },
  SNAPSHOT_FOREIGN: { http: 409, message: "the snapshot is of another chain than the home's genesis" },
  SNAPSHOT_UNTRUSTED: {
    http: 400,
    message:
      "the snapshot's header is not committed by the validator set trusted from genesis (or not the trusted hash)",
  },
  SNAPSHOT_STATE_MISMATCH: {
    http: 400,
    message: "the snapshot's state or blocks do not hash to what its certified header commits to",
  },
  SNAPSHOT_HEIGHT_UNAVAILABLE: { http: 404, message: 'the home holds no committed state at that height' },
  ARCHIVE_CORRUPT: { http: 400, message: 'not a govchain block archive, or its digest or block hashes do not match' },
  PRUNED: {
    http: 410,
    message:
      'this node no longer holds that height (it started from a snapshot above it, or pruned it); ask another node',
  },
  SNAPSHOT_TARGET_NOT_EMPTY: {
    http: 409,
    message: 'the home already holds blocks: a snapshot is imported only into a fresh home',
  },
  // local test networks and the node benchmark (packages/cli/src/testnet.ts, packages/cli/bench)
  TESTNET_TIMEOUT: { http: 504, message: 'the local network did not reach the expected state in time' },
} as const satisfies Record<string, { http: number; message: string }>

/**
 * Codes declared by application packages (the module contract's `errors`). A package adds its
 * codes to this interface by declaration merging, so they type-check wherever ErrorCode is used:
 *
 *   declare module '@govchain/core' { interface ModuleErrorCodes extends Record<keyof typeof MY_ERRORS, true> {} }
 *
 * and registers their HTTP status and message at run time with registerErrors().
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by application packages
export interface ModuleErrorCodes {}

export type ErrorCode = keyof typeof ERROR_CATALOGUE | (keyof ModuleErrorCodes & string)

export interface ErrorInfo {
  readonly http: number
  readonly message: string
}

const registered = new Map<string, ErrorInfo & { area: string }>()
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,63}$/

/**
 * Adds an application's codes to the catalogue (at import of its module package). A code means
 * one thing forever: defining it again differently, or a core code, throws.
 */
export function registerErrors(area: string, defs: Readonly<Record<string, ErrorInfo>>): void {
  for (const [code, info] of Object.entries(defs)) {
    const core = (ERROR_CATALOGUE as Record<string, ErrorInfo>)[code]
    const prior = core ?? registered.get(code)
    if (!CODE_PATTERN.test(code) || !Number.isInteger(info.http) || info.http < 400 || info.http > 599) {
      throw new GovchainError('INVALID_ARGUMENT', `error code ${code} of ${area}: bad code or status`)
    }
    if (prior !== undefined) {
      if (prior.http === info.http && prior.message === info.message) continue
      throw new GovchainError('INVALID_ARGUMENT', `error code ${code} of ${area} is already defined differently`)
    }
    registered.set(code, { http: info.http, message: info.message, area })
  }
}

/** The catalogue entry of a code (core or registered), undefined for an unknown code. */
export function errorInfo(code: string): ErrorInfo | undefined {
  return (ERROR_CATALOGUE as Record<string, ErrorInfo>)[code] ?? registered.get(code)
}

/** Every catalogued code: core's, then the registered ones in registration order. */
export function errorCodes(): string[] {
  return [...Object.keys(ERROR_CATALOGUE), ...registered.keys()]
}

export function isErrorCode(code: string): code is ErrorCode {
  return errorInfo(code) !== undefined
}

export class GovchainError extends Error {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? errorInfo(code)?.message ?? code)
    this.name = 'GovchainError'
    this.code = code
    this.details = details
  }

  get httpStatus(): number {
    return errorInfo(this.code)?.http ?? 500
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
