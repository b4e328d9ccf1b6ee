/**
 * @govchain/sdk: a typed client for the node's API, transaction building and signing with
 * either crypto suite, and a light client that verifies answers offline. Browser-safe.
 */

// From core, so an app needs only the SDK: the suites to sign and verify with, and the error class
// of offline checks. Everything else of the protocol is in @govchain/core.
export {
  type CryptoSuite,
  fromHex,
  GovchainError,
  getSuite,
  isGovchainError,
  type SuiteName,
  suites,
  toHex,
} from '@govchain/core'
export { type AnchorPutOptions, anchorKeyHex, anchorPut, decodeAnchorRecord } from './anchor.ts'
export {
  type BlockInfo,
  type ChainEvent,
  CLIENT_DEFAULTS,
  type Client,
  type ClientOptions,
  createClient,
  type EventFilter,
  type EventType,
  type PeerInfo,
  type StateAnswer,
  type Status,
  type SubscribeOptions,
  type TxEvent,
  type TxResult,
  type TxStatus,
  type ValidatorInfo,
  type ValidatorsAnswer,
  type WaitOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client.ts'
export { ApiError, errorCode, isSdkError, SdkError } from './errors.ts'
export {
  LightClient,
  type LightClientOptions,
  type ProvenState,
  stateKey,
  type VerifiedState,
} from './light-client.ts'
export {
  addSignature,
  type BuildTxOptions,
  type BuiltTx,
  buildTx,
  type DecodedTx,
  decodeTx,
  randomNonce,
  txHash,
  verifyTxSignatures,
} from './tx.ts'
