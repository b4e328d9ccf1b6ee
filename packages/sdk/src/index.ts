/**
 * @govchain/sdk: a typed client for the node's API, transaction building and signing with
 * either crypto suite, and a light client that verifies answers offline. Browser-safe.
 */

// From core, so an app needs only the SDK: the suites to sign and verify with, and the error class
// of offline checks. Everything else of the protocol is in @govchain/core.
// Licence wire constants and identifiers from core, so a licence app needs only the SDK.
export {
  type BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  decode,
  type EffectiveStatus,
  effectiveStatus,
  fromBase64,
  fromHex,
  GovchainError,
  getSuite,
  isGovchainError,
  LICENSE_METHODS,
  LICENSE_MODULE,
  type LicenceRecord,
  type LicenceTypeRecord,
  type LicenceVerdict,
  licenceId,
  parseLicenceId,
  REVOKE_REASONS,
  type RevokeReason,
  type SuiteName,
  suites,
  toBase64,
  toHex,
  ValidatorSet,
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
  SUBMIT_TXS_MAX,
  type SubmitTxsAnswer,
  type SubmitTxsItem,
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
// Identity (officers, DIDs, pseudonyms) and governance (proposals, votes, evidence): builders and typed reads.
export * as governance from './governance.ts'
export * as identity from './identity.ts'
export {
  credentialFields,
  decodeLicenceQr,
  decodeLicenceRecord,
  fetchLicenceProof,
  type HolderAuth,
  holderUsesPath,
  type IssuedLicence,
  type IssueLicenceInput,
  issueLicence,
  type LicenseApiClient,
  type LicenseListFilter,
  type LicenseTxCommon,
  licenceKeyHex,
  licenceQr,
  licenceRefQr,
  licenseClient,
  licenseTx,
  type OfflineVerdict,
  type OfflineVerifyInput,
  type ProofMaterial,
  presentCredential,
  randomSerial,
  reissueLicence,
  signHolderQuery,
  verifyLicenseOffline,
} from './license.ts'
export {
  LightClient,
  type LightClientOptions,
  type ProvenState,
  stateKey,
  type VerifiedState,
} from './light-client.ts'
export * from './sharing.ts'
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
