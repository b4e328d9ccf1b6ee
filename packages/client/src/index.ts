/**
 * @govchain/client: the base every govchain client is built on. One HTTP transport to the node
 * API (typed answers, coded errors, fail-over ready), transaction building and signing with
 * either crypto suite, and the light client that verifies answers offline. Browser-safe.
 * Application packages build their client actions on it; @govchain/sdk re-exports them all.
 */

// The state tree's path layout is the protocol's (core); re-exported where clients always found it.
export { stateKey } from '@govchain/core'
export {
  type BlockInfo,
  type ChainEvent,
  type ChainStats,
  type PeerInfo,
  type StateAnswer,
  type Status,
  SUBMIT_TXS_MAX,
  type SubmitTxsAnswer,
  type SubmitTxsItem,
  type TxEvent,
  type TxListItem,
  type TxListPage,
  type TxResult,
  type TxStatus,
  type ValidatorInfo,
  type ValidatorsAnswer,
} from './answers.ts'
export { CLIENT_DEFAULTS, type Client, type ClientOptions, createClient, type WaitOptions } from './client.ts'
export { ApiError, errorCode, isSdkError, SdkError } from './errors.ts'
export type {
  EventFilter,
  EventType,
  SubscribeOptions,
  WebSocketConstructor,
  WebSocketLike,
} from './events.ts'
export {
  LightClient,
  type LightClientOptions,
  type ProvenState,
  type VerifiedState,
} from './light-client.ts'
export {
  type BundleProof,
  type BundleVerdict,
  bundleProof,
  type EvidenceCheck,
  PROOF_BUNDLE_FORMAT,
  type ProofBundle,
  type ProvenRecord,
  type ProvenStateJson,
  parseCsv,
  type RowRenderer,
  toCsv,
  verifyProofBundle,
} from './proof-bundle.ts'
export {
  type FailoverEvent,
  HttpTransport,
  isUnavailable,
  type JsonAnswer,
  type JsonObject,
  type RequestOptions,
  TRANSPORT_DEFAULTS,
  TRANSPORT_NODES_MAX,
  type TransportOptions,
} from './transport.ts'
export {
  addSignature,
  type BuildTxOptions,
  type BuiltTx,
  buildTx,
  buildTxWith,
  type DecodedTx,
  decodeTx,
  moduleTx,
  randomNonce,
  type TxCommon,
  txHash,
  verifyTxSignatures,
} from './tx.ts'
